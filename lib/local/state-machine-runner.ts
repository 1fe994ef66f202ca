/**
 * Runs the pipeline's state machine on the laptop: the definition `cdk synth` emits, resolved to
 * plain ASL (`asl.ts`), executed by aws-local-stepfunctions. Each Task state is served by a local
 * function chosen by its resource:
 *
 * - `lambda:invoke`: the pipeline handler the function's `LAKEHOUSE_FUNCTION` names, called
 *   in-process, answering `{ Payload }` as the Lambda integration does;
 * - `athena:startQueryExecution.sync`: the statement on DuckDB (`DuckDbEngine.runStatement`),
 *   answering with a `QueryExecution` whose statistics are DuckDB's;
 * - `sns:publish`: the message goes to `notify` (the CLI prints it).
 *
 * A Task with any other resource stops the run before it starts, naming the state.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import type { DuckDbEngine } from '../engine/duckdb.ts';
import type { PipelineHandlers } from '../pipeline/handlers.ts';
import type { RunRequest } from '../pipeline/plan.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, taskStates, type ResolvedDefinition } from './asl.ts';

/** One entry of an execution's event log (the package does not export the type). */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

// aws-local-stepfunctions uses Promise.withResolvers (Node 22); Node 20 lacks it.
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export interface LocalRunOptions {
  readonly definition: ResolvedDefinition;
  readonly handlers: PipelineHandlers;
  readonly engine: Pick<DuckDbEngine, 'runStatement'>;
  readonly input: RunRequest;
  /** Default: `local-<time>`. */
  readonly executionName?: string;
  readonly notify?: (subject: string, message: string) => void;
  readonly onEvent?: (event: EventLog) => void;
  readonly signal?: AbortSignal;
}

export interface LocalRunResult {
  readonly executionName: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output: unknown;
  /** The first state that failed, and why (the error the run was recorded with). */
  readonly failure?: { readonly state: string; readonly error: string; readonly cause: string };
  /** The execution's own error (`PipelineFailed` with the recorder's message). */
  readonly error?: { readonly error: string; readonly cause: string };
  readonly seconds: number;
}

/** The error of a task refused because the execution is already failing (see `stopping`). */
const STOPPING_ERROR = 'Lakehouse.RunStopping';

/** An error as a Task failure: `name` is what Retry / Catch match, `message` the Cause. */
function taskError(name: string, cause: unknown): Error {
  const e = new Error(typeof cause === 'string' ? cause : JSON.stringify(cause));
  e.name = name;
  return e;
}

/** One thing at a time on the DuckDB connection (statements, publishes, catalog changes). */
function serializer() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

export function localTaskHandlers(
  opts: Pick<LocalRunOptions, 'definition' | 'handlers' | 'engine' | 'notify'>,
): Record<string, (input: unknown) => Promise<unknown>> {
  const serial = serializer();
  const out: Record<string, (input: unknown) => Promise<unknown>> = {};
  let queries = 0;
  // aws-local-stepfunctions fails a Map when an iteration fails but still starts the iterations
  // p-limit had queued (Step Functions starts none): a later layer or wave would build, audit or
  // publish after the run has failed, racing the failure path that drops staging and closes the
  // engine. Once a build step failed, or an audit closed the gate, only the failure path runs:
  // the recorder and the notifications.
  let stopping = false;
  const refuse = (state: string) =>
    taskError(
      STOPPING_ERROR,
      `${state} not run: an earlier state of this execution failed (the run is stopping)`,
    );
  for (const task of taskStates(opts.definition.definition)) {
    const resource = task.resource;
    if (resource.endsWith(':states:::lambda:invoke')) {
      const arn = String(task.parameters.FunctionName ?? '');
      const name = opts.definition.functions[arn] as keyof PipelineHandlers | undefined;
      const handler = name && opts.handlers[name];
      if (!handler) {
        throw new Error(
          `state ${task.name} invokes ${arn}, which is not a pipeline function the local runner knows`,
        );
      }
      const failurePath = name === 'recorder';
      out[task.name] = async (input) => {
        const payload = (input as { Payload?: unknown }).Payload;
        if (stopping && !failurePath) throw refuse(task.name);
        try {
          const result = await serial(() => (handler as (e: unknown) => Promise<unknown>)(payload));
          if (name === 'auditor' && (result as { passed?: boolean } | null)?.passed === false) {
            stopping = true;
          }
          return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
        } catch (err) {
          if (!failurePath) stopping = true;
          // As Lambda reports an unhandled error: the error type, and a JSON cause.
          const e = err as Error;
          throw taskError(e.name || 'Error', { errorType: e.name, errorMessage: e.message });
        }
      };
    } else if (resource.endsWith(':states:::athena:startQueryExecution.sync')) {
      out[task.name] = async (input) => {
        const { QueryString } = input as { QueryString?: string };
        const id = `local-${Date.now().toString(36)}-${(queries++).toString(36)}`;
        if (!QueryString) throw taskError('States.TaskFailed', 'no QueryString');
        if (stopping) throw refuse(task.name);
        try {
          const stats = await serial(() => opts.engine.runStatement(QueryString));
          return {
            QueryExecution: {
              QueryExecutionId: id,
              Query: QueryString,
              StatementType: 'DDL',
              Status: { State: 'SUCCEEDED' },
              Statistics: {
                DataScannedInBytes: stats.bytesRead,
                EngineExecutionTimeInMillis: Math.round(stats.seconds * 1000),
              },
            },
          };
        } catch (err) {
          stopping = true;
          throw taskError('States.TaskFailed', {
            QueryExecutionId: id,
            Status: { State: 'FAILED', StateChangeReason: (err as Error).message },
          });
        }
      };
    } else if (resource.endsWith(':states:::sns:publish')) {
      out[task.name] = async (input) => {
        const { Subject, Message } = input as { Subject?: string; Message?: unknown };
        opts.notify?.(
          Subject ?? '',
          typeof Message === 'string' ? Message : JSON.stringify(Message),
        );
        return { MessageId: `local-${Date.now()}` };
      };
    } else {
      throw new Error(`state ${task.name} uses ${resource}, which the local runner cannot run`);
    }
  }
  return out;
}

/** Executes the definition once, to the end. */
export async function runStateMachineLocally(opts: LocalRunOptions): Promise<LocalRunResult> {
  const started = new Date();
  const executionName =
    opts.executionName ?? `local-${started.toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
  const machine = new StateMachine(
    opts.definition.definition as unknown as ConstructorParameters<typeof StateMachine>[0],
    // The definition is what CDK synthesized; only the resource ARNs are placeholders.
    { validationOptions: { checkArn: false } },
  );
  const execution = machine.run(opts.input as Parameters<typeof machine.run>[0], {
    overrides: { taskResourceLocalHandlers: localTaskHandlers(opts) as never },
    context: {
      Execution: {
        Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:local:${executionName}`,
        Name: executionName,
        StartTime: started.toISOString(),
        Input: opts.input as never,
        RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
      },
    },
  });
  const onAbort = () => execution.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let failure: LocalRunResult['failure'];
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      if (
        event.type === 'StateFailed' &&
        !failure &&
        event.state.type === 'Task' &&
        event.Error !== STOPPING_ERROR
      ) {
        failure = { state: event.state.name, error: event.Error, cause: String(event.Cause) };
      }
      opts.onEvent?.(event);
    }
  })();
  try {
    const output = await execution.result;
    await logs.catch(() => undefined);
    return {
      executionName,
      status: 'SUCCEEDED',
      output,
      seconds: (Date.now() - started.getTime()) / 1000,
      ...(failure ? { failure } : {}),
    };
  } catch (err) {
    await logs.catch(() => undefined);
    const e = err as Error & { cause?: unknown };
    const aborted = opts.signal?.aborted || e.name === 'ExecutionAbortedError';
    return {
      executionName,
      status: aborted ? 'ABORTED' : 'FAILED',
      output: undefined,
      ...(failure ? { failure } : {}),
      error: { error: errorName(e), cause: errorCause(e) },
      seconds: (Date.now() - started.getTime()) / 1000,
    };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** The execution's error: a Fail state's `Error` (e.g. `PipelineFailed`). */
function errorName(e: Error & { cause?: unknown }): string {
  const inner = e.cause as { name?: string } | undefined;
  return inner?.name && inner.name !== 'Error' ? inner.name : e.name;
}

function errorCause(e: Error & { cause?: unknown }): string {
  const inner = e.cause as { message?: string } | undefined;
  return inner?.message ?? e.message;
}
