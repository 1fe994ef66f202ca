/**
 * An Amazon Managed Grafana workspace for the generated dashboards (dashboards/grafana/*.json),
 * optional and off by default (`dashboards.grafana` in the config, or `-c grafana=true`): a
 * workspace bills per active user.
 *
 * Its permissions are managed here (CUSTOMER_MANAGED), not by the service: the workspace role may
 * run read-only queries in the project's workgroup (`LakeCatalog.grantQuery` with `readOnly`:
 * this workgroup, this database's tables, reads of the lake, writes only to the query results
 * bucket, as Athena needs), and list the workgroups and catalog for the data source's settings.
 * Users sign in through IAM Identity Center by default; the Athena data source and the
 * dashboards are added in Grafana itself (dashboards/README.md).
 */
import { Stack } from 'aws-cdk-lib';
import * as grafana from 'aws-cdk-lib/aws-grafana';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';
import type { LakeCatalog } from './lake-catalog.ts';

export type GrafanaAuthenticationProvider = 'AWS_SSO' | 'SAML';

export interface GrafanaWorkspaceProps {
  readonly config: LakehouseConfig;
  /** The workgroup, database and results bucket the dashboards query. */
  readonly catalog: LakeCatalog;
  /**
   * How users sign in. Default: IAM Identity Center (`AWS_SSO`), which must be enabled in the
   * account; `SAML` also needs the workspace's SAML configuration, set in the console.
   */
  readonly authenticationProviders?: readonly GrafanaAuthenticationProvider[];
  /**
   * The workspace's Grafana version. Default 10.4: the dashboards are saved with schemaVersion
   * 39, and the Athena plugin's current releases need Grafana 10.4 or newer.
   */
  readonly grafanaVersion?: string;
}

/** The Athena data catalog the Glue tables are in. */
const GLUE_DATA_CATALOG = 'AwsDataCatalog';

export class GrafanaWorkspace extends Construct {
  /** The role the workspace (and its Athena data source) works with. */
  readonly role: iam.Role;
  readonly workspace: grafana.CfnWorkspace;

  constructor(scope: Construct, id: string, props: GrafanaWorkspaceProps) {
    super(scope, id);
    const { config, catalog } = props;
    const stack = Stack.of(this);

    // The service assumes the role on behalf of this account's workspaces only.
    this.role = new iam.Role(this, 'Role', {
      description: `${config.project}: Amazon Managed Grafana workspace, read-only Athena queries in the ${catalog.workGroupName} workgroup`,
      assumedBy: new iam.ServicePrincipal('grafana.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'grafana',
              resource: '/workspaces',
              resourceName: '*',
            }),
          },
        },
      }),
    });

    catalog.grantQuery(this.role, { readOnly: true });

    // What the Athena data source's settings page reads to offer its choices.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeWorkGroup',
        actions: ['athena:GetWorkGroup'],
        resources: [catalog.workGroupArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'BrowseDataCatalog',
        actions: [
          'athena:GetDataCatalog',
          'athena:ListDatabases',
          'athena:GetDatabase',
          'athena:ListTableMetadata',
          'athena:GetTableMetadata',
        ],
        resources: [
          stack.formatArn({
            service: 'athena',
            resource: 'datacatalog',
            resourceName: GLUE_DATA_CATALOG,
          }),
        ],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListWorkGroupsAndCatalogs',
        actions: ['athena:ListWorkGroups', 'athena:ListDataCatalogs'],
        resources: ['*'],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'athena:ListWorkGroups and athena:ListDataCatalogs have no resource-level permissions; they list names for the data source settings and read no data.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );

    this.workspace = new grafana.CfnWorkspace(this, 'Workspace', {
      name: config.project,
      description: `${config.project}: dashboards over the ${catalog.databaseName} tables, queried through Athena`,
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: [...(props.authenticationProviders ?? ['AWS_SSO'])],
      permissionType: 'CUSTOMER_MANAGED',
      dataSources: ['ATHENA'],
      roleArn: this.role.roleArn,
      grafanaVersion: props.grafanaVersion ?? '10.4',
      // Workspaces on Grafana 9 and newer may need the Athena plugin installed from the catalog.
      pluginAdminEnabled: true,
    });
    // The role's policy too, not just the role: the workspace is usable once both exist.
    this.workspace.node.addDependency(this.role);
  }

  /** The workspace's sign-in address. */
  get url(): string {
    return `https://${this.workspace.attrEndpoint}`;
  }
}
