/**
 * The pipeline in the synthesized stack (lib/stack/lakehouse-pipeline.ts): the state machine's
 * definition against a golden file, the ASL features the local runner cannot run (JSONata,
 * Assign, distributed Map), the schedule, least-privilege IAM per role, the Lambda functions,
 * cdk-nag, and the LocalStack variant (no pipeline: it needs Glue and Athena).
 *
 * The golden file is the definition as `lakehouse run` sees it (`resolveStateMachine`), with the
 * logical-id-dependent names replaced by placeholders (`<function:planner>`, `<alerts-topic>`,
 * `<athena-workgroup>`), so it changes only when the definition does. After a deliberate change,
 * regenerate it and review the diff:
 *
 *   UPDATE_GOLDEN=1 npx vitest run tests/integration/stack-pipeline.test.ts
 *
 * Four stacks in two apps: three synthesized without bundling (fast), and one bundled the way
 * `cdk synth` does, to check what travels with the functions.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Aspects, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { resolveStateMachine, type Template as AslTemplate } from '../../lib/local/asl.ts';
import {
  AUDITOR_SERVICE,
  CRITICAL_METRIC,
  FUNCTION_ENV,
  PIPELINE_FUNCTIONS,
} from '../../lib/pipeline/aws-deps.ts';
import { LakehouseStack, STACK_OUTPUTS } from '../../lib/stack/lakehouse-stack.ts';
import { list, statementsOfRole, type Statement } from '../helpers/iam.ts';

const GOLDEN = fileURLToPath(new URL('../golden/pipeline-definition.asl.json', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Synths

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const defaultConfig = parseConfig({});
const stack = new LakehouseStack(app, 'PipelineDefault', { config: defaultConfig });
const variantConfig = parseConfig({
  pipeline: { scheduleEnabled: false, scheduleMinutes: 30, timeoutMinutes: 60, maxConcurrency: 2 },
  dq: {
    metricsNamespace: 'Shop/Quality',
    checks: { 'silver_event_lines.duplicate_rate': { threshold: 0.1 } },
  },
});
const variantStack = new LakehouseStack(app, 'PipelineVariant', { config: variantConfig });
const localStack = new LakehouseStack(app, 'PipelineLocalStack', {
  config: parseConfig({ localstack: true }),
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));

const template = Template.fromStack(stack);
const variant = Template.fromStack(variantStack);
const local = Template.fromStack(localStack);

const pipeline = stack.pipeline!;
const id = (s: LakehouseStack, el: { node: { defaultChild?: unknown } }) =>
  s.getLogicalId(el.node.defaultChild as CfnElement);
const ids = {
  stateMachine: id(stack, pipeline.stateMachine),
  stateMachineRole: id(stack, pipeline.stateMachine.role),
  stateMachineLogs: stack.getLogicalId(
    pipeline.node.findChild('StateMachineLogs').node.defaultChild as CfnElement,
  ),
  lake: id(stack, stack.storage.bucket),
  results: id(stack, stack.catalog!.resultsBucket),
  key: id(stack, stack.storage.key),
  topic: id(stack, stack.monitoring.topic),
  workGroup: stack.getLogicalId(stack.catalog!.workGroup),
  roleOf: Object.fromEntries(
    PIPELINE_FUNCTIONS.map((name) => [name, id(stack, pipeline.functions[name].role!)]),
  ) as Record<(typeof PIPELINE_FUNCTIONS)[number], string>,
};
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const objectsOf = (bucketId: string, suffix: string) =>
  JSON.stringify({ 'Fn::Join': ['', [arnOf(bucketId), suffix]] });
const accountArn = (service: string, resource: string) =>
  JSON.stringify({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        `:${service}:`,
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:${resource}`,
      ],
    ],
  });

// ---------------------------------------------------------------------------------------------
// Helpers

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every value of `node` (depth first), with the key it sits under. */
function* walk(node: Json, key = ''): Generator<{ key: string; value: Json }> {
  yield { key, value: node };
  if (Array.isArray(node)) for (const v of node) yield* walk(v, key);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) yield* walk(v, k);
  }
}

/** Every state of the definition, nested Map and Parallel states included. */
function allStates(definition: Json): { name: string; state: Record<string, Json> }[] {
  const out: { name: string; state: Record<string, Json> }[] = [];
  const visit = (states: Record<string, Record<string, Json>>) => {
    for (const [name, state] of Object.entries(states)) {
      out.push({ name, state });
      const processor = (state.ItemProcessor ?? state.Iterator) as
        { States: Record<string, Record<string, Json>> } | undefined;
      if (processor) visit(processor.States);
      for (const b of (state.Branches ?? []) as { States: Record<string, Record<string, Json>> }[])
        visit(b.States);
    }
  };
  visit((definition as { States: Record<string, Record<string, Json>> }).States);
  return out;
}

/** Replaces whole string values of `node` found in `names` (deeply, returning a copy). */
function replaceNames(node: Json, names: ReadonlyMap<string, string>): Json {
  if (typeof node === 'string') return names.get(node) ?? node;
  if (Array.isArray(node)) return node.map((v) => replaceNames(v, names));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replaceNames(v, names)]));
  }
  return node;
}

/** The definition as the local runner sees it, with logical-id-dependent names as placeholders. */
function goldenDefinitionOf(s: LakehouseStack, t: Template): Json {
  const resolved = resolveStateMachine(t.toJSON() as AslTemplate);
  const names = new Map<string, string>(
    Object.entries(resolved.functions).map(([arn, fn]) => [arn, `<function:${fn}>`]),
  );
  names.set(`arn:aws:sns:us-east-1:000000000000:${id(s, s.monitoring.topic)}`, '<alerts-topic>');
  names.set(s.getLogicalId(s.catalog!.workGroup), '<athena-workgroup>');
  return replaceNames(resolved.definition as Json, names);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => list(s.Action));
const resourcesOf = (statements: Statement[], action: RegExp) =>
  [
    ...new Set(
      statements
        .filter((s) => list(s.Action).some((a) => action.test(a)))
        .flatMap((s) => list(s.Resource))
        .map((r) => JSON.stringify(r)),
    ),
  ].sort();
const S3_WRITE = /^s3:(Put|Delete|Abort|Create|Restore|Replicate)/i;

function pipelineRuleOf(t: Template, stateMachineId: string) {
  const rules = Object.values(t.findResources('AWS::Events::Rule')) as {
    Properties: {
      ScheduleExpression: string;
      State: string;
      Targets: { Arn: unknown; Input?: string; RoleArn?: unknown }[];
    };
  }[];
  const matching = rules.filter((r) =>
    r.Properties.Targets.some(
      (x) => JSON.stringify(x.Arn) === JSON.stringify({ Ref: stateMachineId }),
    ),
  );
  expect(matching).toHaveLength(1);
  return matching[0]!.Properties;
}

// ---------------------------------------------------------------------------------------------

describe('state machine definition', () => {
  const definition = goldenDefinitionOf(stack, template);
  const text = `${JSON.stringify(definition, null, 2)}\n`;

  it('matches the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('keeps no logical id or placeholder account in the golden', () => {
    for (const { value } of walk(definition)) {
      if (typeof value !== 'string') continue;
      expect(value).not.toContain('000000000000');
      expect(value).not.toMatch(/^(Pipeline|Catalog|Monitoring)\w*[0-9A-F]{8}$/);
    }
  });

  it('placeholders stand for this stack: its four functions, its topic, its workgroup', () => {
    const resolved = resolveStateMachine(template.toJSON() as AslTemplate);
    expect(Object.values(resolved.functions).sort()).toEqual([...PIPELINE_FUNCTIONS].sort());
    for (const [arn, name] of Object.entries(resolved.functions)) {
      expect(arn).toBe(
        `arn:aws:lambda:us-east-1:000000000000:function:${id(stack, pipeline.functions[name as (typeof PIPELINE_FUNCTIONS)[number]])}`,
      );
    }
    const strings = [...walk(definition)].map((x) => x.value).filter((v) => typeof v === 'string');
    for (const name of PIPELINE_FUNCTIONS) expect(strings).toContain(`<function:${name}>`);
    expect(strings).toContain('<alerts-topic>');
    expect(strings).toContain('<athena-workgroup>');
    expect(resolved.logicalId).toBe(ids.stateMachine);
  });

  it('uses JSONPath only: no QueryLanguage JSONata, no Assign, no Arguments/Output', () => {
    const top = definition as Record<string, Json>;
    expect([undefined, 'JSONPath']).toContain(top.QueryLanguage);
    for (const { key, value } of walk(definition)) {
      if (key === 'QueryLanguage') expect(value).toBe('JSONPath');
      expect(['Assign', 'Arguments', 'Output']).not.toContain(key);
      if (typeof value === 'string') expect(value).not.toMatch(/\{%.*%\}/s);
    }
  });

  it('has inline Maps only (no distributed Map, ItemReader or ResultWriter)', () => {
    const states = allStates(definition);
    const maps = states.filter((s) => s.state.Type === 'Map');
    expect(maps.map((m) => m.name).sort()).toEqual(
      [
        'Layers',
        'Build',
        'BuildModels',
        'Publish',
        'PublishWaves',
        'PublishModels',
        'Statements',
      ].sort(),
    );
    for (const { name, state } of maps) {
      const processor = state.ItemProcessor as Record<string, Json> | undefined;
      expect(processor, `${name} has an ItemProcessor`).toBeDefined();
      const mode = (processor!.ProcessorConfig as { Mode?: string } | undefined)?.Mode;
      expect(mode ?? 'INLINE', name).toBe('INLINE');
      expect(state.ItemReader, name).toBeUndefined();
      expect(state.ResultWriter, name).toBeUndefined();
      expect(state.ItemBatcher, name).toBeUndefined();
    }
    for (const { key, value } of walk(definition)) {
      if (key === 'Mode') expect(value).toBe('INLINE');
    }
  });

  it('runs only Lambda, Athena .sync and SNS tasks', () => {
    const resources = allStates(definition)
      .filter((s) => s.state.Type === 'Task')
      .map((s) => `${s.name} ${String(s.state.Resource)}`)
      .sort();
    expect(resources).toEqual(
      [
        'Audit arn:aws:states:::lambda:invoke',
        'Notify arn:aws:states:::sns:publish',
        'NotifyFailure arn:aws:states:::sns:publish',
        'PlanRun arn:aws:states:::lambda:invoke',
        'PublishModel arn:aws:states:::lambda:invoke',
        'Query arn:aws:states:::athena:startQueryExecution.sync',
        'Record arn:aws:states:::lambda:invoke',
        'RecordFailure arn:aws:states:::lambda:invoke',
        'Render arn:aws:states:::lambda:invoke',
      ].sort(),
    );
    const query = allStates(definition).find((s) => s.name === 'Query')!.state;
    expect(query.Parameters).toMatchObject({
      WorkGroup: '<athena-workgroup>',
      QueryExecutionContext: { Database: stack.catalog!.databaseName },
    });
  });

  it('takes its Map concurrency and timeout from config', () => {
    const v = goldenDefinitionOf(variantStack, variant) as Record<string, Json>;
    expect(v.TimeoutSeconds).toBe(60 * 60);
    expect((definition as Record<string, Json>).TimeoutSeconds).toBe(
      defaultConfig.pipeline.timeoutMinutes * 60,
    );
    const concurrency = (d: Json, name: string) =>
      allStates(d).find((s) => s.name === name)!.state.MaxConcurrency;
    for (const name of ['BuildModels', 'PublishModels']) {
      expect(concurrency(definition, name)).toBe(defaultConfig.pipeline.maxConcurrency);
      expect(concurrency(v, name)).toBe(2);
    }
    // Waves and statements run one at a time whatever the config.
    for (const name of ['Layers', 'Build', 'Publish', 'PublishWaves', 'Statements']) {
      expect(concurrency(v, name)).toBe(1);
    }
  });
});

describe('state machine resource', () => {
  it('is STANDARD, traced, logged (ALL, without execution data) and times out per config', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: `${defaultConfig.project}-pipeline`,
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf(ids.stateMachineLogs) } }],
      },
    });
    expect(defaultConfig.pipeline.timeoutMinutes).toBe(120);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: `/aws/vendedlogs/states/${defaultConfig.project}-pipeline`,
        KmsKeyId: arnOf(ids.key),
        RetentionInDays: Match.anyValue(),
      },
    });
  });

  it('publishes its ARN as a stack output', () => {
    template.hasOutput(STACK_OUTPUTS.pipelineStateMachineArn, {
      Value: { Ref: ids.stateMachine },
    });
  });
});

describe('schedule', () => {
  it('starts the state machine every 15 minutes by default, enabled', () => {
    expect(defaultConfig.pipeline).toMatchObject({ scheduleEnabled: true, scheduleMinutes: 15 });
    const rule = pipelineRuleOf(template, ids.stateMachine);
    expect(rule.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.State).toBe('ENABLED');
    const target = rule.Targets[0]!;
    expect(JSON.parse(target.Input!)).toEqual({});
    expect(target.RoleArn).toBeDefined();
    // The rule's role may start this state machine and nothing else.
    const roleId = (target.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = statementsOfRole(template, roleId);
    expect(actionsOf(statements)).toEqual(['states:StartExecution']);
    expect(resourcesOf(statements, /./)).toEqual([JSON.stringify({ Ref: ids.stateMachine })]);
  });

  it('follows config: scheduleEnabled false → DISABLED, scheduleMinutes 30 → rate(30 minutes)', () => {
    const rule = pipelineRuleOf(
      variant,
      variantStack.getLogicalId(
        variantStack.pipeline!.stateMachine.node.defaultChild as CfnElement,
      ),
    );
    expect(rule.ScheduleExpression).toBe('rate(30 minutes)');
    expect(rule.State).toBe('DISABLED');
  });
});

describe('IAM', () => {
  describe('state machine role', () => {
    const statements = statementsOfRole(template, ids.stateMachineRole);
    const workGroupArn = accountArn('athena', `workgroup/${stack.catalog!.workGroupName}`);

    it('starts Athena queries in the lakehouse workgroup only', () => {
      const starts = resourcesOf(statements, /^athena:StartQueryExecution$/i);
      expect(starts).toEqual([workGroupArn]);
      const athena = resourcesOf(statements, /^athena:/i);
      expect(athena).toEqual(
        [workGroupArn, accountArn('athena', 'datacatalog/AwsDataCatalog')].sort(),
      );
      // The data catalog grants reading it, nothing else.
      for (const s of statements) {
        if (list(s.Resource).some((r) => JSON.stringify(r).includes('datacatalog'))) {
          expect(list(s.Action)).toEqual(['athena:GetDataCatalog']);
        }
      }
    });

    it('writes objects only under silver/, gold/, rfm/, dq/ and to the results bucket', () => {
      expect(resourcesOf(statements, S3_WRITE)).toEqual(
        [
          objectsOf(ids.lake, '/silver/*'),
          objectsOf(ids.lake, '/gold/*'),
          objectsOf(ids.lake, '/rfm/*'),
          objectsOf(ids.lake, '/dq/*'),
          objectsOf(ids.results, '/*'),
        ].sort(),
      );
      for (const r of resourcesOf(statements, /^s3:/i)) {
        expect(r).not.toContain('bronze/');
        expect(r).not.toBe('"*"');
      }
      expect(actionsOf(statements)).not.toContain('s3:CreateBucket');
      expect(actionsOf(statements)).not.toContain('lakeformation:GetDataAccess');
    });

    it('uses Glue in the lakehouse database only, and never creates or drops databases', () => {
      const glue = resourcesOf(statements, /^glue:/i);
      expect(glue).toEqual(
        [
          accountArn('glue', 'catalog'),
          accountArn('glue', `database/${stack.catalog!.databaseName}`),
          accountArn('glue', `table/${stack.catalog!.databaseName}/*`),
        ].sort(),
      );
      expect(
        actionsOf(statements).filter((a) => /Database$/.test(a) && !/^glue:Get/.test(a)),
      ).toEqual([]);
    });

    it('invokes the five pipeline functions and publishes to the alerts topic, nothing else', () => {
      const invoked = resourcesOf(statements, /^lambda:InvokeFunction$/);
      expect(invoked).toEqual(
        PIPELINE_FUNCTIONS.flatMap((name) => {
          const fn = id(stack, pipeline.functions[name]);
          return [
            JSON.stringify(arnOf(fn)),
            JSON.stringify({ 'Fn::Join': ['', [arnOf(fn), ':*']] }),
          ];
        }).sort(),
      );
      expect(resourcesOf(statements, /^sns:/)).toEqual([JSON.stringify({ Ref: ids.topic })]);
      expect(actionsOf(statements).filter((a) => a.startsWith('sns:'))).toEqual(['sns:Publish']);
    });

    it('uses the key through S3 (lake, results) and SNS (the encrypted topic) only', () => {
      const kms = statements.filter((s) => list(s.Action).some((a) => a.startsWith('kms:')));
      expect(kms.map((s) => JSON.stringify(s.Condition?.StringEquals)).sort()).toEqual(
        ['s3', 'sns']
          .map((svc) =>
            JSON.stringify({
              'kms:ViaService': {
                'Fn::Join': ['', [`${svc}.`, { Ref: 'AWS::Region' }, '.amazonaws.com']],
              },
            }),
          )
          .sort(),
      );
      for (const s of kms) {
        expect(list(s.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
        expect(list(s.Resource)).toEqual([arnOf(ids.key)]);
      }
    });

    it('has Resource "*" only for log delivery and X-Ray, which have no resource-level permissions', () => {
      const star = statements.filter((s) => list(s.Resource).includes('*'));
      for (const a of actionsOf(star)) expect(a).toMatch(/^(logs|xray):/);
      for (const a of actionsOf(statements)) expect(a).not.toMatch(/^[a-z0-9]+:\*$/);
    });
  });

  describe('planner role', () => {
    const statements = statementsOfRole(template, ids.roleOf.planner);

    it('reads bronze/ and the pipeline state; writes only the state and the run records', () => {
      expect(resourcesOf(statements, /^s3:GetObject$/)).toEqual(
        [objectsOf(ids.lake, '/_state/pipeline/*'), objectsOf(ids.lake, '/bronze/*')].sort(),
      );
      expect(resourcesOf(statements, S3_WRITE)).toEqual(
        [
          objectsOf(ids.lake, '/_state/pipeline/*'),
          objectsOf(ids.lake, '/dq/pipeline_runs/*'),
          objectsOf(ids.lake, '/dq/pipeline_run_models/*'),
        ].sort(),
      );
      expect(resourcesOf(statements, /^s3:ListBucket$/)).toEqual([JSON.stringify(arnOf(ids.lake))]);
    });

    it('runs no query, and may drop only staging tables (a timed-out run left them)', () => {
      expect(actionsOf(statements).filter((a) => /^athena:/i.test(a))).toEqual([]);
      expect(actionsOf(statements).filter((a) => a.startsWith('glue:'))).toEqual([
        'glue:DeleteTable',
      ]);
      expect(resourcesOf(statements, /^glue:/)).toContain(
        accountArn('glue', `table/${stack.catalog!.databaseName}/*__stg_*`),
      );
      expect(resourcesOf(statements, /^glue:/)).not.toContain(
        accountArn('glue', `table/${stack.catalog!.databaseName}/*`),
      );
    });
  });

  describe('auditor role', () => {
    const statements = statementsOfRole(template, ids.roleOf.auditor);

    it('reads the run plans and writes dq_results only; no other lake write', () => {
      expect(resourcesOf(statements, S3_WRITE)).toEqual(
        [objectsOf(ids.lake, '/dq/dq_results/*'), objectsOf(ids.results, '/*')].sort(),
      );
      expect(resourcesOf(statements, /^s3:GetObject$/)).toContain(
        objectsOf(ids.lake, '/_state/pipeline/*'),
      );
    });

    it('queries in the workgroup but changes no table', () => {
      expect(actionsOf(statements)).toContain('athena:StartQueryExecution');
      const glue = actionsOf(statements).filter((a) => a.startsWith('glue:'));
      expect(glue.length).toBeGreaterThan(0);
      for (const a of glue) expect(a).toMatch(/^glue:(Get|BatchGet)/);
    });
  });

  it('the renderer has no S3, Glue, Athena or KMS permission at all (only its own logs)', () => {
    const statements = statementsOfRole(template, ids.roleOf.renderer);
    expect(statements.length).toBeGreaterThan(0);
    for (const a of actionsOf(statements))
      expect(a).toMatch(/^logs:(CreateLogStream|PutLogEvents)$/);
    const logGroup = pipeline.functions.renderer.logGroup.node.defaultChild as CfnElement;
    expect(resourcesOf(statements, /./)).toEqual([
      JSON.stringify(arnOf(stack.getLogicalId(logGroup))),
    ]);
  });

  it('no pipeline role has a managed policy', () => {
    const roles = template.findResources('AWS::IAM::Role');
    for (const roleId of [ids.stateMachineRole, ...Object.values(ids.roleOf)]) {
      expect(roles[roleId]?.Properties?.ManagedPolicyArns, roleId).toBeUndefined();
    }
  });
});

describe('Lambda functions', () => {
  const fns = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { [FUNCTION_ENV]: Match.anyValue() } } },
    }),
  ) as {
    Properties: Record<string, unknown> & { Environment: { Variables: Record<string, unknown> } };
  }[];

  it('the auditor gets the config check overrides and the metrics namespace', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `${defaultConfig.project}-pipeline-auditor`,
      Environment: {
        Variables: Match.objectLike({
          DQ_CHECKS: JSON.stringify(defaultConfig.dq.checks),
          DQ_METRICS_NAMESPACE: defaultConfig.dq.metricsNamespace,
        }),
      },
    });
  });

  it('one per pipeline handler: arm64, nodejs22.x, LAKEHOUSE_FUNCTION = its name', () => {
    expect(fns.map((f) => f.Properties.Environment.Variables[FUNCTION_ENV]).sort()).toEqual(
      [...PIPELINE_FUNCTIONS].sort(),
    );
    for (const name of PIPELINE_FUNCTIONS) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `${defaultConfig.project}-pipeline-${name}`,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Role: arnOf(ids.roleOf[name]),
        Environment: {
          Variables: Match.objectLike({
            [FUNCTION_ENV]: name,
            LAKEHOUSE_MODELS_DIR: '/var/task/athena/models',
            GLUE_DATABASE: stack.catalog!.databaseName,
            ATHENA_WORKGROUP: { Ref: ids.workGroup },
            LAKE_BUCKET: { Ref: ids.lake },
          }),
        },
      });
    }
    // Each its own role.
    expect(new Set(Object.values(ids.roleOf)).size).toBe(PIPELINE_FUNCTIONS.length);
  });
});

describe('cdk-nag AwsSolutions', () => {
  const AWS_SOLUTIONS = Match.stringLikeRegexp('AwsSolutions-.*');
  const findings = (s: LakehouseStack, level: 'error' | 'warning') => {
    const a = Annotations.fromStack(s);
    const found =
      level === 'error' ? a.findError('*', AWS_SOLUTIONS) : a.findWarning('*', AWS_SOLUTIONS);
    return found.map((f) => `${f.id}: ${String(f.entry.data)}`);
  };

  it('reports zero unsuppressed errors and warnings (default and variant config)', () => {
    for (const s of [stack, variantStack]) {
      expect(findings(s, 'error')).toEqual([]);
      expect(findings(s, 'warning')).toEqual([]);
    }
  });

  it('every pipeline suppression has a specific reason; IAM5 names exact findings', () => {
    const resources = template.toJSON().Resources as Record<
      string,
      {
        Metadata?: {
          cdk_nag?: { rules_to_suppress?: { id: string; reason: string; applies_to?: string[] }[] };
        };
      }
    >;
    const rules = Object.entries(resources)
      .filter(([rid]) => rid.startsWith('Pipeline'))
      .flatMap(([rid, r]) =>
        (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((x) => ({ rid, ...x })),
      );
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(r.reason.length, `${r.rid} ${r.id}`).toBeGreaterThanOrEqual(40);
      if (r.id === 'AwsSolutions-IAM5') {
        expect(r.applies_to?.length, `${r.rid} IAM5 appliesTo`).toBeGreaterThan(0);
        for (const f of r.applies_to!) expect(f).toMatch(/^Resource::/);
      }
    }
    // `Resource::*` is accepted on the state machine role (and its policy) only.
    const star = rules.filter((r) => r.applies_to?.includes('Resource::*')).map((r) => r.rid);
    expect(star.length).toBeGreaterThan(0);
    for (const rid of star) expect(rid.startsWith(ids.stateMachineRole.slice(0, -8))).toBe(true);
    // The functions' versions and aliases, exactly.
    const smRules = rules.filter((r) => r.rid === ids.stateMachineRole);
    expect(smRules.flatMap((r) => r.applies_to ?? [])).toEqual(
      expect.arrayContaining(
        PIPELINE_FUNCTIONS.map((n) => `Resource::<${id(stack, pipeline.functions[n])}.Arn>:*`),
      ),
    );
  });
});

describe('LocalStack variant', () => {
  it('has no state machine, no pipeline functions, no schedule and no output for them', () => {
    expect(localStack.pipeline).toBeUndefined();
    local.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    const fns = local.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { [FUNCTION_ENV]: Match.anyValue() } } },
    });
    expect(Object.keys(fns)).toEqual([]);
    const targets = Object.values(local.findResources('AWS::Events::Rule')).flatMap(
      (r) => r.Properties.Targets as { Arn: unknown }[],
    );
    for (const t of targets) expect(JSON.stringify(t.Arn)).not.toMatch(/StateMachine/);
    expect(Object.keys(local.findOutputs('*'))).not.toContain(
      STACK_OUTPUTS.pipelineStateMachineArn,
    );
  });
});

describe('bundles (as cdk synth builds them)', () => {
  it('carry the model SQL files beside the handler', () => {
    const bundled = new App({ outdir: mkdtempSync(join(tmpdir(), 'lakehouse-pipeline-')) });
    const s = new LakehouseStack(bundled, 'PipelineBundled', { config: defaultConfig });
    const assembly = bundled.synth();
    const resources = assembly.getStackArtifact(s.artifactId).template.Resources as Record<
      string,
      { Properties: { Code: { S3Key: string } } }
    >;
    const modelsDir = join(REPO_ROOT, 'athena/models');
    const sqlFiles = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.sql'))
        .sort();
    const expected = sqlFiles(modelsDir);
    expect(expected.length).toBeGreaterThan(0);
    for (const name of PIPELINE_FUNCTIONS) {
      // The code's S3 key is the asset hash; the assembly keeps the bundle in asset.<hash>/.
      const key = resources[id(s, s.pipeline!.functions[name])]!.Properties.Code.S3Key;
      expect(key, name).toMatch(/^[0-9a-f]{64}\.zip$/);
      const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
      expect(existsSync(join(dir, 'index.mjs')), name).toBe(true);
      expect(sqlFiles(join(dir, 'athena/models')), name).toEqual(expected);
    }
  });
});

describe('data-quality alarm', () => {
  it('alarms the alerts topic when a critical check fails (the metric the auditor publishes)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${defaultConfig.project}-critical-checks-failed`,
      Namespace: defaultConfig.dq.metricsNamespace,
      MetricName: CRITICAL_METRIC,
      Dimensions: [{ Name: 'service', Value: AUDITOR_SERVICE }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ids.topic }],
    });
  });

  it('follows the configured namespace and hands the check overrides to the auditor', () => {
    variant.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: CRITICAL_METRIC,
      Namespace: 'Shop/Quality',
    });
    variant.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `${defaultConfig.project}-pipeline-auditor`,
      Environment: {
        Variables: Match.objectLike({
          DQ_CHECKS: '{"silver_event_lines.duplicate_rate":{"threshold":0.1}}',
          DQ_METRICS_NAMESPACE: 'Shop/Quality',
        }),
      },
    });
  });

  it('refuses an override of a check that does not exist', () => {
    expect(() =>
      parseConfig({ dq: { checks: { 'silver_events.nope': { threshold: 1 } } } }),
    ).toThrow(/dq\.checks: no check named silver_events\.nope/);
  });
});
