/**
 * The one stack of the lakehouse. It only composes constructs (one per concern, each in its own
 * file) and publishes their names as outputs; later concerns (transform, dashboards) are added
 * the same way, taking what they need from the readonly members below.
 */
import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';
import { BronzeDelivery } from './bronze-delivery.ts';
import { EventStream } from './event-stream.ts';
import { GrafanaWorkspace } from './grafana-workspace.ts';
import { IngestMonitoring } from './ingest-monitoring.ts';
import { QualityMonitoring } from './quality-monitoring.ts';
import { LakeCatalog } from './lake-catalog.ts';
import { LakehousePipeline } from './lakehouse-pipeline.ts';
import { ModelTables } from './model-tables.ts';
import { SavedQueries } from './saved-queries.ts';
import { LakeStorage } from './lake-storage.ts';
import { Producer } from './producer.ts';

export interface LakehouseStackProps extends StackProps {
  /** A validated config (`loadConfig()` / `parseConfig()` from lib/config.ts). */
  readonly config: LakehouseConfig;
}

/** Default CloudFormation stack name (the `stackName` CDK context overrides it). */
export const DEFAULT_STACK_NAME = 'EcommerceLakehouse';

/**
 * Logical ids of the stack outputs (also the names the CLI and README refer to). The catalog
 * outputs (Glue database, Athena workgroup and results bucket) exist only outside LocalStack.
 */
export const STACK_OUTPUTS = {
  lakeBucketName: 'LakeBucketName',
  streamName: 'StreamName',
  deliveryStreamName: 'DeliveryStreamName',
  producerFunctionName: 'ProducerFunctionName',
  alertsTopicArn: 'AlertsTopicArn',
  glueDatabaseName: 'GlueDatabaseName',
  athenaWorkGroupName: 'AthenaWorkGroupName',
  athenaResultsBucketName: 'AthenaResultsBucketName',
  pipelineStateMachineArn: 'PipelineStateMachineArn',
} as const;

/** Outputs of the optional Grafana workspace (only with `dashboards.grafana`). */
export const GRAFANA_OUTPUTS = {
  workspaceId: 'GrafanaWorkspaceId',
  workspaceUrl: 'GrafanaWorkspaceUrl',
  roleArn: 'GrafanaWorkspaceRoleArn',
} as const;

export class LakehouseStack extends Stack {
  readonly config: LakehouseConfig;
  readonly storage: LakeStorage;
  readonly events: EventStream;
  readonly bronze: BronzeDelivery;
  readonly producer: Producer;
  readonly monitoring: IngestMonitoring;
  /** Glue tables and the Athena workgroup; undefined for LocalStack (Glue and Athena are paid there). */
  readonly catalog: LakeCatalog | undefined;
  /** A typed Glue table per model, before the pipeline's first build (with the catalog). */
  readonly modelTables: ModelTables | undefined;
  /** athena/queries/*.sql as named queries in the workgroup (with the catalog). */
  readonly savedQueries: SavedQueries | undefined;
  /** The state machine that builds the models, on a schedule (with the catalog). */
  readonly pipeline: LakehousePipeline | undefined;
  /** The data-quality alarm (with the pipeline). */
  readonly quality: QualityMonitoring | undefined;
  /** Amazon Managed Grafana (with the catalog, when `dashboards.grafana` is on). */
  readonly grafana: GrafanaWorkspace | undefined;

  constructor(scope: Construct, id: string, props: LakehouseStackProps) {
    super(scope, id, {
      description:
        'E-commerce lakehouse: lake storage, the ingest path (Kinesis, Firehose, producer), Glue catalog and Athena workgroup',
      ...props,
    });
    const { config } = props;
    this.config = config;
    Tags.of(this).add('project', config.project);

    this.storage = new LakeStorage(this, 'Storage', { config });
    const key = this.storage.key;
    this.events = new EventStream(this, 'Events', { config, encryptionKey: key });
    this.bronze = new BronzeDelivery(this, 'Bronze', {
      config,
      eventStream: this.events,
      bucket: this.storage.bucket,
      encryptionKey: key,
    });
    this.producer = new Producer(this, 'Producer', {
      config,
      eventStream: this.events,
      storage: this.storage,
      encryptionKey: key,
    });
    this.monitoring = new IngestMonitoring(this, 'Monitoring', {
      config,
      stream: this.events.stream,
      deliveryStreamName: this.bronze.deliveryStreamName,
      producerFunction: this.producer.function,
      encryptionKey: key,
    });
    this.catalog = config.localstack
      ? undefined
      : new LakeCatalog(this, 'Catalog', { config, storage: this.storage });
    this.modelTables =
      this.catalog &&
      new ModelTables(this, 'ModelTables', {
        config,
        storage: this.storage,
        catalog: this.catalog,
      });
    this.savedQueries =
      this.catalog &&
      new SavedQueries(this, 'SavedQueries', {
        databaseName: this.catalog.databaseName,
        workGroup: this.catalog.workGroup,
      });

    this.pipeline =
      this.catalog &&
      new LakehousePipeline(this, 'Pipeline', {
        config,
        storage: this.storage,
        catalog: this.catalog,
        topic: this.monitoring.topic,
        encryptionKey: key,
      });
    this.quality =
      this.pipeline &&
      new QualityMonitoring(this, 'Quality', { config, topic: this.monitoring.topic });
    this.grafana =
      config.dashboards.grafana && this.catalog
        ? new GrafanaWorkspace(this, 'Grafana', { config, catalog: this.catalog })
        : undefined;

    const out = STACK_OUTPUTS;
    new CfnOutput(this, out.lakeBucketName, {
      value: this.storage.bucket.bucketName,
      description: 'Lake bucket (bronze/, silver/, gold/, rfm/, dq/)',
    });
    new CfnOutput(this, out.streamName, {
      value: this.events.stream.streamName,
      description: 'Kinesis stream the producer writes to',
    });
    new CfnOutput(this, out.deliveryStreamName, {
      value: this.bronze.deliveryStream.ref,
      description: 'Firehose stream that lands events in bronze/events/',
    });
    new CfnOutput(this, out.producerFunctionName, {
      value: this.producer.function.functionName,
      description: 'Producer Lambda (invoke it to send a batch of events)',
    });
    new CfnOutput(this, out.alertsTopicArn, {
      value: this.monitoring.topic.topicArn,
      description: 'SNS topic of the ingest alarms (subscribe to it)',
    });
    if (this.catalog) {
      new CfnOutput(this, out.glueDatabaseName, {
        value: this.catalog.databaseName,
        description: 'Glue database of the lake tables (bronze, silver, gold, rfm, dq)',
      });
      new CfnOutput(this, out.athenaWorkGroupName, {
        value: this.catalog.workGroup.ref,
        description: 'Athena workgroup (engine v3, enforced settings, per-query scan limit)',
      });
      new CfnOutput(this, out.athenaResultsBucketName, {
        value: this.catalog.resultsBucket.bucketName,
        description: 'Athena query results (SSE-KMS, expire after athena.resultRetentionDays)',
      });
    }
    if (this.pipeline) {
      new CfnOutput(this, out.pipelineStateMachineArn, {
        value: this.pipeline.stateMachine.stateMachineArn,
        description: 'The pipeline state machine (start an execution to build now)',
      });
    }
    if (this.grafana) {
      const g = GRAFANA_OUTPUTS;
      new CfnOutput(this, g.workspaceId, {
        value: this.grafana.workspace.attrId,
        description: 'Amazon Managed Grafana workspace (assign its users in the console)',
      });
      new CfnOutput(this, g.workspaceUrl, {
        value: this.grafana.url,
        description: 'Grafana sign-in address (import dashboards/grafana/*.json there)',
      });
      new CfnOutput(this, g.roleArn, {
        value: this.grafana.role.roleArn,
        description: 'The workspace role: read-only queries in the workgroup',
      });
    }
  }
}
