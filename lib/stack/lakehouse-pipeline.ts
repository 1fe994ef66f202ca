/**
 * The pipeline: one Standard state machine that builds the lake's models, on an EventBridge
 * schedule. The same definition runs locally (`lakehouse run`, lib/local/state-machine-runner.ts):
 * the Lambda tasks call the same handlers in-process and the Athena tasks run on DuckDB.
 *
 * Plan (Lambda) ─▶ skip? ─▶ Layers: Map over layers (silver, gold, rfm, dq; one at a time)
 *                              ├ Build: Map over the layer's waves (one at a time)
 *                              │    └ Map over the wave's models (bounded concurrency)
 *                              │         └ Render (Lambda) ─▶ Map over statements: Athena .sync
 *                              ├ Audit (Lambda): the layer's data-quality checks on staging
 *                              └ QualityGate: a critical check failed? ─▶ Fail (the run fails)
 *                 ─▶ Publish: Map over layers └ waves └ models └ PublishModel (Lambda)
 *                 ─▶ Record (Lambda) ─▶ Notify (SNS) ─▶ Succeeded
 * Any error ─▶ RecordFailure (Lambda: drops staging, marks the run FAILED) ─▶ NotifyFailure ─▶ Fail
 *
 * Write-audit-publish: everything is written to staging tables first; each layer's checks run on
 * its staging tables before the next layer is built; publishing starts only once every layer has
 * passed its gate. A failed run (a critical check included) publishes nothing, so it leaves the
 * published tables as they were.
 */
import { type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';
import { STAGING_MARK } from '../engine/statements.ts';
import { BRONZE_PREFIX } from '../lake-layout.ts';
import {
  DQ_CHECKS_ENV,
  DQ_METRICS_NAMESPACE_ENV,
  FUNCTION_ENV,
  type PipelineFunction,
} from '../pipeline/aws-deps.ts';
import {
  DQ_RESULTS_PREFIX,
  PIPELINE_RUNS_PREFIX,
  PIPELINE_RUN_MODELS_PREFIX,
  PIPELINE_STATE_PREFIX,
} from '../pipeline/run-records.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeStorage } from './lake-storage.ts';
import { nodeFunctionDefaults } from './lambda-bundling.ts';
import { bucketObjectsFinding } from './nag-helpers.ts';

export interface LakehousePipelineProps {
  readonly config: LakehouseConfig;
  readonly storage: LakeStorage;
  readonly catalog: LakeCatalog;
  /** Where run results and failures are published (the stack's encrypted alerts topic). */
  readonly topic: sns.ITopic;
  /** Encrypts the functions' and the state machine's log groups. */
  readonly encryptionKey: kms.IKey;
}

/** Where the model SQL files sit in a function's bundle. */
const BUNDLED_MODELS_DIR = '/var/task/athena/models';

/** Errors worth retrying: throttling and transient service errors, never a failed query. */
const ATHENA_TRANSIENT = [
  'Athena.TooManyRequestsException',
  'Athena.InternalServerException',
  'Athena.AmazonAthenaException',
];

/**
 * Athena's optimized `.sync` task, rendered exactly as CDK renders it, without CDK's generated
 * task policy: that grants s3:CreateBucket, GetObject and PutObject on every bucket (`*`),
 * lakeformation:GetDataAccess on `*`, and CreateDatabase / DeleteDatabase / BatchDeleteTable
 * and user-defined functions in the database, none of which the pipeline needs. The state
 * machine gets `LakeCatalog.grantQuery` instead (this workgroup, this database, writes to the
 * SQL layers only), plus read access to the data catalog the queries run in.
 */
class WorkGroupQuery extends tasks.AthenaStartQueryExecution {
  protected override readonly taskPolicies: iam.PolicyStatement[] = [];
}

export class LakehousePipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<PipelineFunction, nodejs.NodejsFunction>;
  readonly schedule: events.Rule;
  private readonly storage: LakeStorage;

  constructor(scope: Construct, id: string, props: LakehousePipelineProps) {
    super(scope, id);
    const { config, storage, catalog, topic, encryptionKey } = props;
    this.storage = storage;
    const p = config.pipeline;
    const lake = storage.bucket;

    const fn = (
      name: PipelineFunction,
      description: string,
      timeout: Duration,
      extraEnvironment: Record<string, string> = {},
    ) => {
      const functionName = `${config.project}-pipeline-${name}`;
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/aws/lambda/${functionName}`,
        retention: logs.RetentionDays.ONE_MONTH,
        encryptionKey,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${functionName}: ${description}`,
      });
      logGroup.grantWrite(role);
      const f = new nodejs.NodejsFunction(this, name, {
        functionName,
        description,
        ...nodeFunctionDefaults(name, {
          externalModules: ['@aws-sdk/*', '@duckdb/*'],
          // The models' SQL travels with the function: the planner and the renderer read it.
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              `mkdir -p "${outputDir}/athena" && cp -R "${inputDir}/athena/models" "${outputDir}/athena/models"`,
            ],
          },
        }),
        memorySize: p.lambdaMemoryMiB,
        timeout,
        role,
        logGroup,
        // Step Functions retries; an asynchronous retry would only race it.
        retryAttempts: 0,
        environment: {
          [FUNCTION_ENV]: name,
          LAKE_BUCKET: lake.bucketName,
          GLUE_DATABASE: catalog.databaseName,
          ATHENA_WORKGROUP: catalog.workGroup.ref,
          LAKEHOUSE_MODELS_DIR: BUNDLED_MODELS_DIR,
          PIPELINE_TIMEOUT_MINUTES: String(p.timeoutMinutes),
          PIPELINE_OVERLAP_SECONDS: String(p.overlapSeconds),
          PIPELINE_LATE_ARRIVAL_HOURS: String(p.lateArrivalHours),
          POWERTOOLS_SERVICE_NAME: `pipeline-${name}`,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          ...extraEnvironment,
        },
      });
      NagSuppressions.addResourceSuppressions(f, [
        {
          id: 'AwsSolutions-L1',
          reason:
            'Pinned to nodejs22.x on purpose, like the producer: the bundle targets node22; a runtime upgrade is a deliberate, tested change.',
        },
      ]);
      return f;
    };
    const minutes = (m: number) => Duration.minutes(m);
    this.functions = {
      planner: fn(
        'planner',
        'Plans a pipeline run: lock, watermark, partitions per model',
        minutes(5),
      ),
      renderer: fn('renderer', "Renders a model's CTAS / INSERT INTO statements", minutes(1)),
      publisher: fn('publisher', "Publishes a model's staging table through Glue", minutes(10)),
      auditor: fn(
        'auditor',
        "Runs a layer's data-quality checks on the run's staging tables, writes dq_results",
        minutes(10),
        {
          [DQ_CHECKS_ENV]: JSON.stringify(config.dq.checks),
          [DQ_METRICS_NAMESPACE_ENV]: config.dq.metricsNamespace,
        },
      ),
      recorder: fn('recorder', 'Records a run in pipeline_runs, moves the watermark', minutes(5)),
    };
    this.grantAudit(this.functions.auditor);
    catalog.grantQuery(this.functions.auditor, { readOnly: true });
    this.grantPipelineState(this.functions.planner, true);
    this.grantPipelineState(this.functions.recorder, false);
    this.grantDropStaging(this.functions.planner, catalog);
    // Publishing counts the staging rows (an Athena query) and repoints Glue partitions; the
    // recorder drops the staging tables of a failed run.
    catalog.grantQuery(this.functions.publisher);
    catalog.grantQuery(this.functions.recorder);

    // ---------------------------------------------------------------------------------------
    // The definition (JSONPath; no JSONata, no Assign, no distributed Map: see DESIGN.md).
    const execution = {
      name: sfn.JsonPath.stringAt('$$.Execution.Name'),
      startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
    };
    const planTask = new tasks.LambdaInvoke(this, 'PlanRun', {
      lambdaFunction: this.functions.planner,
      payload: sfn.TaskInput.fromObject({ request: sfn.JsonPath.objectAt('$'), execution }),
      outputPath: '$.Payload',
      comment: 'Lock, read the watermark, list new Bronze objects, plan partitions per model',
    });

    const render = new tasks.LambdaInvoke(this, 'Render', {
      lambdaFunction: this.functions.renderer,
      payload: sfn.TaskInput.fromJsonPathAt('$.task'),
      resultSelector: { 'statements.$': '$.Payload.statements' },
      resultPath: '$.render',
      comment: "The model's CTAS / INSERT INTO statements (≤ 100 partitions each)",
    });
    const query = new WorkGroupQuery(this, 'Query', {
      queryString: sfn.JsonPath.stringAt('$.sql'),
      workGroup: catalog.workGroup.ref,
      queryExecutionContext: { databaseName: catalog.databaseName },
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultSelector: {
        'queryId.$': '$.QueryExecution.QueryExecutionId',
        'bytes.$': '$.QueryExecution.Statistics.DataScannedInBytes',
        'ms.$': '$.QueryExecution.Statistics.EngineExecutionTimeInMillis',
      },
      comment: 'One statement on Athena (locally: DuckDB)',
    });
    query.addRetry({
      errors: ATHENA_TRANSIENT,
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 5,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const statements = new sfn.Map(this, 'Statements', {
      itemsPath: '$.render.statements',
      itemSelector: { 'sql.$': '$$.Map.Item.Value.sql' },
      // CTAS first, then the INSERT INTOs into the table it created.
      maxConcurrency: 1,
      resultPath: '$.stage',
    });
    statements.itemProcessor(query);
    const staged = new sfn.Pass(this, 'Staged', {
      parameters: { 'task.$': '$.task', 'stage.$': '$.stage' },
      comment: 'Keep the statistics, drop the SQL text',
    });
    const buildModels = new sfn.Map(this, 'BuildModels', {
      itemsPath: '$.wave.models',
      itemSelector: { 'task.$': '$$.Map.Item.Value' },
      maxConcurrency: p.maxConcurrency,
    });
    buildModels.itemProcessor(render.next(statements).next(staged));
    const build = new sfn.Map(this, 'Build', {
      itemsPath: '$.waves',
      itemSelector: { 'wave.$': '$$.Map.Item.Value' },
      // Waves in order: a wave reads what the earlier ones staged.
      maxConcurrency: 1,
      resultPath: '$.waves',
      comment: "Stage the layer's models, wave after wave",
    });
    build.itemProcessor(buildModels);

    const audit = new tasks.LambdaInvoke(this, 'Audit', {
      lambdaFunction: this.functions.auditor,
      payload: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.runId'),
        layer: sfn.JsonPath.stringAt('$.layer'),
        startedAt: sfn.JsonPath.stringAt('$.startedAt'),
      }),
      resultSelector: { 'summary.$': '$.Payload' },
      resultPath: '$.audit',
      comment: "The layer's data-quality checks on its staging tables; results to dq_results",
    });
    const gate = new sfn.Choice(this, 'QualityGate', {
      comment: 'Write-audit-publish: a critical check that failed stops the run here',
    })
      .when(
        sfn.Condition.booleanEquals('$.audit.summary.passed', false),
        new sfn.Fail(this, 'CriticalChecksFailed', {
          error: 'DataQualityFailed',
          causePath: '$.audit.summary.message',
        }),
      )
      .otherwise(new sfn.Succeed(this, 'LayerPassed'));
    const layers = new sfn.Map(this, 'Layers', {
      itemsPath: '$.layers',
      itemSelector: {
        'layer.$': '$$.Map.Item.Value.layer',
        'waves.$': '$$.Map.Item.Value.waves',
        'runId.$': '$.runId',
        'startedAt.$': '$.startedAt',
      },
      // Layers in order: a layer is audited before the next one is built on it.
      maxConcurrency: 1,
      resultPath: '$.layers',
      comment: 'Per layer: stage its models, run its checks, stop at a closed gate',
    });
    layers.itemProcessor(build.next(audit).next(gate));

    const publishModel = new tasks.LambdaInvoke(this, 'PublishModel', {
      lambdaFunction: this.functions.publisher,
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      outputPath: '$.Payload',
    });
    const publishModels = new sfn.Map(this, 'PublishModels', {
      itemsPath: '$.models',
      maxConcurrency: p.maxConcurrency,
    });
    publishModels.itemProcessor(publishModel);
    const publishWaves = new sfn.Map(this, 'PublishWaves', {
      itemsPath: '$.waves',
      itemSelector: { 'models.$': '$$.Map.Item.Value' },
      maxConcurrency: 1,
      resultPath: '$.waves',
    });
    publishWaves.itemProcessor(publishModels);
    const publish = new sfn.Map(this, 'Publish', {
      itemsPath: '$.layers',
      maxConcurrency: 1,
      resultPath: '$.layers',
      comment: 'Only once every layer passed its gate: point the tables at the new data',
    });
    publish.itemProcessor(publishWaves);

    const record = new tasks.LambdaInvoke(this, 'Record', {
      lambdaFunction: this.functions.recorder,
      payload: sfn.TaskInput.fromObject({
        status: 'SUCCEEDED',
        execution,
        run: sfn.JsonPath.objectAt('$'),
      }),
      outputPath: '$.Payload',
      comment: 'pipeline_runs row, watermark moved, lock released',
    });
    const notify = new tasks.SnsPublish(this, 'Notify', {
      topic,
      subject: sfn.JsonPath.stringAt('$.subject'),
      message: sfn.TaskInput.fromJsonPathAt('$.message'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const succeeded = new sfn.Succeed(this, 'Succeeded');
    const skipped = new sfn.Succeed(this, 'AnotherRunInProgress', {
      comment: 'A run is already going: this one ends without building',
    });

    const recordFailure = new tasks.LambdaInvoke(this, 'RecordFailure', {
      lambdaFunction: this.functions.recorder,
      payload: sfn.TaskInput.fromObject({
        status: 'FAILED',
        execution,
        run: sfn.JsonPath.objectAt('$'),
      }),
      outputPath: '$.Payload',
      comment: 'Staging dropped, pipeline_runs row FAILED, watermark unchanged, lock released',
    });
    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic,
      subject: sfn.JsonPath.stringAt('$.subject'),
      message: sfn.TaskInput.fromJsonPathAt('$.message'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = new sfn.Fail(this, 'Failed', {
      error: 'PipelineFailed',
      causePath: '$.message',
    });
    // A notification that cannot be sent does not change the run's outcome, which is recorded
    // already: retried, then the execution ends as the run did.
    const snsRetry = {
      errors: [
        'SNS.ThrottledException',
        'SNS.InternalErrorException',
        'SNS.KMSThrottlingException',
      ],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 3,
    };
    notify.addRetry(snsRetry);
    notify.addCatch(succeeded, { resultPath: sfn.JsonPath.DISCARD });
    notifyFailure.addRetry(snsRetry);
    notifyFailure.addCatch(failed, { resultPath: sfn.JsonPath.DISCARD });
    recordFailure.next(notifyFailure).next(failed);
    const onError = { resultPath: '$.error' };
    planTask.addCatch(recordFailure, onError);
    layers.addCatch(recordFailure, onError);
    publish.addCatch(recordFailure, onError);

    const definition = planTask.next(
      new sfn.Choice(this, 'AnotherRun?')
        .when(sfn.Condition.booleanEquals('$.skip', true), skipped)
        .otherwise(layers.next(publish).next(record).next(notify).next(succeeded)),
    );

    const smLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${config.project}-pipeline`,
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${config.project}-pipeline`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: minutes(p.timeoutMinutes),
      tracingEnabled: true,
      // Every state transition is logged (a few hundred small events a run), without the
      // execution data: states carry SQL text and plans, which belong in the run records.
      logs: { destination: smLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment:
        'Builds the lake: plan, stage each layer on Athena and audit it, publish, record, notify',
    });
    catalog.grantQuery(this.stateMachine);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadQueryDataCatalog',
        actions: ['athena:GetDataCatalog'],
        resources: [
          Stack.of(this).formatArn({
            service: 'athena',
            resource: 'datacatalog',
            resourceName: 'AwsDataCatalog',
          }),
        ],
      }),
    );
    // The alerts topic is encrypted (SSE-KMS): publishing needs its key, through SNS only.
    if (topic.masterKey) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'PublishToEncryptedTopic',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [topic.masterKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }
    const logicalIdOf = (c: Construct) =>
      Stack.of(this).getLogicalId(c.node.defaultChild as CfnElement);
    NagSuppressions.addResourceSuppressions(
      this.stateMachine.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'CDK grants a Lambda task its function and the versions and aliases of that one function (`<function ARN>:*`); the definition invokes the unqualified functions of this construct only.',
          appliesTo: Object.values(this.functions).map(
            (f) => `Resource::<${logicalIdOf(f)}.Arn>:*`,
          ),
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Vended log delivery (logs:CreateLogDelivery, PutResourcePolicy, ...) and X-Ray tracing (xray:PutTraceSegments, GetSamplingRules, ...) support no resource-level permissions: Step Functions documents them with Resource "*".',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );

    this.schedule = new events.Rule(this, 'Schedule', {
      ruleName: `${config.project}-pipeline-schedule`,
      description: `Starts the pipeline every ${p.scheduleMinutes} min`,
      schedule: events.Schedule.rate(minutes(p.scheduleMinutes)),
      enabled: p.scheduleEnabled,
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromObject({}),
          retryAttempts: 2,
          maxEventAge: minutes(p.scheduleMinutes),
        }),
      ],
    });
  }

  /**
   * A planner that takes over the lock of a run that timed out drops the staging tables that run
   * left (`SqlEngine.discardStaging`, a Glue DeleteTable on Athena): it may delete staging tables
   * (`<model>__stg_<build>`) of this database, and no other table.
   */
  private grantDropStaging(f: nodejs.NodejsFunction, catalog: LakeCatalog): void {
    const stack = Stack.of(this);
    const stagingTables = `${catalog.databaseName}/*${STAGING_MARK}*`;
    f.role!.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DropStagingTables',
        actions: ['glue:DeleteTable'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({
            service: 'glue',
            resource: 'database',
            resourceName: catalog.databaseName,
          }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: stagingTables }),
        ],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      f.role!,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Staging tables are named per model and build at run time (<model>__stg_<build>); the pattern matches those of this database only, never a published table.',
          appliesTo: [
            `Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${stagingTables}`,
          ],
        },
      ],
      true,
    );
  }

  /**
   * The auditor reads the run's plan (which tables it staged) and writes `dq_results`; its
   * queries go through `LakeCatalog.grantQuery` (read-only).
   */
  private grantAudit(f: nodejs.NodejsFunction): void {
    const storage = this.storage;
    const role = f.role!;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadRunPlans',
        actions: ['s3:GetObject'],
        resources: [storage.objectsArn(PIPELINE_STATE_PREFIX)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteCheckResults',
        actions: ['s3:PutObject'],
        resources: [storage.objectsArn(DQ_RESULTS_PREFIX)],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Run plans and check results are objects the pipeline names per run (<run id>.json, <run id>-<layer>.json) under fixed prefixes; the auditor reads the one and writes the other.',
          appliesTo: [
            bucketObjectsFinding(storage.bucket, PIPELINE_STATE_PREFIX),
            bucketObjectsFinding(storage.bucket, DQ_RESULTS_PREFIX),
          ],
        },
      ],
      true,
    );
  }

  /**
   * The planner lists Bronze and reads the state; both write the state (watermark, lock,
   * pending plans) and the run records.
   */
  private grantPipelineState(f: nodejs.NodejsFunction, readBronze: boolean): void {
    const storage = this.storage;
    const lake = storage.bucket;
    const role = f.role!;
    const statePrefixes = [PIPELINE_STATE_PREFIX, PIPELINE_RUNS_PREFIX, PIPELINE_RUN_MODELS_PREFIX];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListLake',
        actions: ['s3:ListBucket'],
        resources: [lake.bucketArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadState',
        actions: ['s3:GetObject'],
        resources: [
          storage.objectsArn(PIPELINE_STATE_PREFIX),
          ...(readBronze ? [storage.objectsArn(BRONZE_PREFIX)] : []),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteStateAndRunRecords',
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: statePrefixes.map((prefix) => storage.objectsArn(prefix)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseLakeKeyThroughS3',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [storage.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'The run state (watermark, lock, pending plans) and the run records are objects the pipeline names per run under fixed prefixes; the planner also reads Bronze objects, whose keys carry their partitions.',
          appliesTo: [
            ...statePrefixes.map((prefix) => bucketObjectsFinding(lake, prefix)),
            ...(readBronze ? [bucketObjectsFinding(lake, BRONZE_PREFIX)] : []),
          ],
        },
      ],
      true,
    );
  }
}
