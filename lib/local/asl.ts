/**
 * The state machine's definition as plain ASL, from a synthesized template: the
 * `DefinitionString` is a `Fn::Join` of text and references (`Ref`, `Fn::GetAtt`), which resolve
 * here to placeholder ARNs in a fake account (`000000000000`, `us-east-1`). A Lambda task's
 * function resolves to the name its `LAKEHOUSE_FUNCTION` environment variable gives, which is how
 * the local runner picks the handler to call.
 */
import { FUNCTION_ENV } from '../pipeline/aws-deps.ts';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

type Resource = { Type?: string; Properties?: Record<string, unknown> };
export type Template = { Resources?: Record<string, Resource> };

export interface ResolvedDefinition {
  /** The ASL document. */
  readonly definition: Record<string, unknown>;
  /** Logical id of the state machine in the template. */
  readonly logicalId: string;
  /** Lambda function ARN (as resolved) → the pipeline handler it runs. */
  readonly functions: Readonly<Record<string, string>>;
}

function resolve(value: unknown, template: Template): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) {
    throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
  }
  const v = value as Record<string, unknown>;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolve(p, template)).join(sep);
  }
  if ('Ref' in v) {
    const ref = String(v.Ref);
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'local',
    };
    if (ref in pseudo) return pseudo[ref]!;
    if (!template.Resources?.[ref]) throw new Error(`Ref to unknown resource ${ref}`);
    return arnOf(ref, template);
  }
  if ('Fn::GetAtt' in v) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    if (!template.Resources?.[id]) throw new Error(`Fn::GetAtt of unknown resource ${id}`);
    if (attr !== 'Arn') return `${id}.${attr}`;
    return arnOf(id, template);
  }
  throw new Error(
    `unsupported intrinsic ${Object.keys(v).join(', ')} in the state machine definition`,
  );
}

/** A placeholder ARN for a resource; Lambda functions get a function ARN named by logical id. */
function arnOf(id: string, template: Template): string {
  const type = template.Resources?.[id]?.Type ?? '';
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${id}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`;
    default:
      // Names (workgroup, database, bucket): the logical id stands in.
      return id;
  }
}

/** The one state machine of the template, resolved. */
export function resolveStateMachine(template: Template): ResolvedDefinition {
  const entries = Object.entries(template.Resources ?? {}).filter(
    ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (entries.length !== 1) {
    throw new Error(
      `expected one AWS::StepFunctions::StateMachine in the template, found ${entries.length}`,
    );
  }
  const [logicalId, sm] = entries[0]!;
  const text = resolve(sm.Properties?.DefinitionString, template);
  const definition = JSON.parse(text) as Record<string, unknown>;
  const functions: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const name = env?.[FUNCTION_ENV];
    if (typeof name === 'string') functions[arnOf(id, template)] = name;
  }
  return { definition, logicalId, functions };
}

export interface TaskState {
  readonly name: string;
  readonly resource: string;
  readonly parameters: Record<string, unknown>;
}

/** Every Task state, nested Map and Parallel states included. */
export function taskStates(definition: Record<string, unknown>): TaskState[] {
  const out: TaskState[] = [];
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === 'Task') {
        out.push({
          name,
          resource: String(s.Resource),
          parameters: (s.Parameters ?? {}) as Record<string, unknown>,
        });
      }
      const processor = (s.ItemProcessor ?? s.Iterator) as
        { States: Record<string, Record<string, unknown>> } | undefined;
      if (processor) walk(processor.States);
      for (const b of (s.Branches ?? []) as { States: Record<string, Record<string, unknown>> }[]) {
        walk(b.States);
      }
    }
  };
  walk(definition.States as Record<string, Record<string, unknown>>);
  return out;
}
