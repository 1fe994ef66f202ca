/**
 * The optional Amazon Managed Grafana workspace (lib/stack/grafana-workspace.ts): absent by
 * default; with `dashboards.grafana` (or `-c grafana=true`) a customer-managed workspace whose
 * role the Grafana service alone may assume, for this account, and whose policies only read:
 * queries in the project's workgroup, the catalog and the lake, writes to the query results
 * bucket only. cdk-nag passes with every suppression reasoned.
 *
 * Stacks synthesized without bundling the Lambda functions (not under test here).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config.ts';
import { configOverridesFromContext } from '../../lib/stack/app-context.ts';
import { GrafanaWorkspace } from '../../lib/stack/grafana-workspace.ts';
import { GRAFANA_OUTPUTS, LakehouseStack } from '../../lib/stack/lakehouse-stack.ts';
import { list, statementsOfRole, type Statement } from '../helpers/iam.ts';

const noBundling = { 'aws:cdk:bundling-stacks': [] };

// Off: the default config. On: through the bin/app.ts path (context → overrides → loadConfig).
const plainApp = new App({ context: noBundling });
const off = new LakehouseStack(plainApp, 'GrafanaOff', { config: parseConfig({}) });
const offTemplate = Template.fromStack(off);

const noConfigFile = mkdtempSync(join(tmpdir(), 'lakehouse-no-config-'));
const onConfig = loadConfig(
  configOverridesFromContext((k) => ({ grafana: 'true' })[k]),
  { cwd: noConfigFile, env: {} },
);
const nagApp = new App({ context: noBundling });
const on = new LakehouseStack(nagApp, 'GrafanaOn', { config: onConfig });
// logIgnores: suppressed findings show as info, which proves the checks ran over the role.
Aspects.of(nagApp).add(new AwsSolutionsChecks({ verbose: true, logIgnores: true }));
const template = Template.fromStack(on);
const annotations = Annotations.fromStack(on);

const grafana = on.grafana!;
const id = (el: { node: { defaultChild?: unknown } }) =>
  on.getLogicalId(el.node.defaultChild as CfnElement);
const ids = {
  role: id(grafana.role),
  lake: id(on.storage.bucket),
  results: id(on.catalog!.resultsBucket),
  key: id(on.storage.key),
};
const statements = statementsOfRole(template, ids.role);
const text = (v: unknown) => JSON.stringify(v);
const actions = (s: Statement) => list(s.Action);
const withAction = (re: RegExp) => statements.filter((s) => actions(s).some((a) => re.test(a)));

describe('Grafana workspace: off by default', () => {
  it('the default config has no workspace, no role for the service and no Grafana outputs', () => {
    expect(parseConfig({}).dashboards.grafana).toBe(false);
    expect(off.grafana).toBeUndefined();
    offTemplate.resourceCountIs('AWS::Grafana::Workspace', 0);
    expect(text(offTemplate.findResources('AWS::IAM::Role'))).not.toContain(
      'grafana.amazonaws.com',
    );
    const outputs = Object.keys(offTemplate.findOutputs('*'));
    for (const o of Object.values(GRAFANA_OUTPUTS)) expect(outputs).not.toContain(o);
  });
});

describe('turning it on', () => {
  it('-c grafana=true sets dashboards.grafana, merged with any -c config', () => {
    expect(configOverridesFromContext((k) => ({ grafana: 'true' })[k])).toEqual({
      dashboards: { grafana: true },
    });
    expect(
      configOverridesFromContext(
        (k) =>
          ({ grafana: false, config: '{"dashboards":{"grafana":true},"retainData":false}' })[k],
      ),
    ).toEqual({ dashboards: { grafana: false }, retainData: false });
    expect(() => configOverridesFromContext((k) => ({ grafana: 'yes' })[k])).toThrow(ConfigError);
    expect(onConfig.dashboards.grafana).toBe(true);
  });

  it('the config key does the same; LocalStack (no Athena) refuses it with the key named', () => {
    expect(parseConfig({ dashboards: { grafana: true } }).dashboards.grafana).toBe(true);
    expect(() => parseConfig({ localstack: true, dashboards: { grafana: true } })).toThrow(
      /dashboards\.grafana: .*LocalStack/,
    );
    expect(() => parseConfig({ dashboards: { grafna: true } })).toThrow(ConfigError);
  });
});

describe('Grafana workspace: on', () => {
  it('is customer-managed, this account only, signs in with IAM Identity Center, uses the role', () => {
    template.resourceCountIs('AWS::Grafana::Workspace', 1);
    template.hasResourceProperties('AWS::Grafana::Workspace', {
      Name: 'ecommerce-lakehouse',
      AccountAccessType: 'CURRENT_ACCOUNT',
      AuthenticationProviders: ['AWS_SSO'],
      PermissionType: 'CUSTOMER_MANAGED',
      DataSources: ['ATHENA'],
      RoleArn: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      GrafanaVersion: '10.4',
    });
  });

  it('waits for the role policy, so the workspace never starts without its permissions', () => {
    const workspace = Object.values(template.findResources('AWS::Grafana::Workspace'))[0] as {
      DependsOn?: string[];
    };
    const policy = Object.keys(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: ids.role }] },
      }),
    );
    expect(policy).toHaveLength(1);
    expect(workspace.DependsOn).toEqual(expect.arrayContaining([ids.role, policy[0]]));
  });

  it('its role trusts only the Grafana service, for workspaces of this account', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'grafana.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          },
        ],
      },
    });
    const trust = template.toJSON().Resources[ids.role].Properties.AssumeRolePolicyDocument;
    expect(text(trust)).toContain(':/workspaces/*');
  });

  it('publishes the workspace id, its https address and the role', () => {
    template.hasOutput(GRAFANA_OUTPUTS.workspaceId, {
      Value: { 'Fn::GetAtt': [on.getLogicalId(grafana.workspace), 'Id'] },
    });
    template.hasOutput(GRAFANA_OUTPUTS.workspaceUrl, {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [on.getLogicalId(grafana.workspace), 'Endpoint'] }],
        ],
      },
    });
    template.hasOutput(GRAFANA_OUTPUTS.roleArn, { Value: { 'Fn::GetAtt': [ids.role, 'Arn'] } });
  });

  it('takes other sign-in providers as a prop', () => {
    const app = new App({ context: noBundling });
    const stack = new LakehouseStack(app, 'GrafanaSaml', { config: parseConfig({}) });
    new GrafanaWorkspace(stack, 'Saml', {
      config: stack.config,
      catalog: stack.catalog!,
      authenticationProviders: ['AWS_SSO', 'SAML'],
      grafanaVersion: '11.0',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Grafana::Workspace', {
      AuthenticationProviders: ['AWS_SSO', 'SAML'],
      GrafanaVersion: '11.0',
    });
  });
});

describe('the workspace role only reads', () => {
  const S3_WRITE = /^s3:(Put|Delete|Abort|Restore|Replicate|Create)/;

  it('runs queries only in the project workgroup', () => {
    const start = withAction(/^athena:StartQueryExecution$/);
    expect(start.length).toBeGreaterThan(0);
    for (const s of start) {
      const resources = list<unknown>(s.Resource);
      expect(resources).toHaveLength(1);
      expect(text(resources[0])).toMatch(/:workgroup\/ecommerce-lakehouse"/);
    }
    for (const s of withAction(/^athena:/)) {
      if (text(s.Resource) === '"*"') {
        expect(actions(s).sort()).toEqual(['athena:ListDataCatalogs', 'athena:ListWorkGroups']);
      }
    }
  });

  it('changes nothing in the catalog', () => {
    const glue = statements.flatMap(actions).filter((a) => a.startsWith('glue:'));
    expect(glue.length).toBeGreaterThan(0);
    for (const a of glue) expect(a).toMatch(/^glue:(Get|BatchGet)/);
  });

  it('writes no lake object: S3 writes go to the query results bucket only', () => {
    const writes = withAction(S3_WRITE);
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) {
      for (const r of list<unknown>(s.Resource)) {
        expect(text(r)).toContain(ids.results);
        expect(text(r)).not.toContain(ids.lake);
      }
    }
    // ...while it may read the lake.
    expect(text(withAction(/^s3:GetObject$/).map((s) => s.Resource))).toContain(ids.lake);
  });

  it('uses the lake key only through S3, and every action is a read, a query or a results write', () => {
    for (const s of withAction(/^kms:/)) {
      expect(actions(s).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(text(s.Condition)).toContain('kms:ViaService');
    }
    const allowed =
      /^(athena:(StartQueryExecution|StopQueryExecution|Get\w+|List\w+)|glue:(Get\w+|BatchGetPartition)|s3:(GetObject|GetBucketLocation|List\w+|PutObject|DeleteObject|AbortMultipartUpload)|kms:(Decrypt|GenerateDataKey))$/;
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const a of actions(s)) expect(a).toMatch(allowed);
    }
  });
});

describe('cdk-nag AwsSolutions with the workspace', () => {
  const AWS_SOLUTIONS = Match.stringLikeRegexp('AwsSolutions-.*');

  it('reports no unsuppressed errors or warnings', () => {
    const findings = [
      ...annotations.findError('*', AWS_SOLUTIONS),
      ...annotations.findWarning('*', AWS_SOLUTIONS),
    ];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data)}`)).toEqual([]);
  });

  it('saw the role’s wildcards and found them suppressed', () => {
    const ignored = annotations
      .findInfo('*', AWS_SOLUTIONS)
      .filter((i) => i.id.includes('/Grafana/Role/') && String(i.entry.data).includes('IAM5'));
    expect(ignored.length).toBeGreaterThan(0);
  });

  it('gives the role’s suppressions reasons and names each wildcard; `*` only for listing', () => {
    const role = template.toJSON().Resources[ids.role] as {
      Metadata?: {
        cdk_nag?: { rules_to_suppress?: { id: string; reason: string; applies_to?: unknown[] }[] };
      };
    };
    const rules = role.Metadata?.cdk_nag?.rules_to_suppress ?? [];
    expect(rules.length).toBeGreaterThan(0);
    const accepted = [
      `Resource::<${ids.lake}.Arn>/*`,
      `Resource::<${ids.results}.Arn>/*`,
      'Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/ecommerce_lakehouse/*',
      'Resource::*',
    ];
    for (const rule of rules) {
      expect(rule.reason.trim().length, rule.id).toBeGreaterThanOrEqual(40);
      expect(rule.id).toBe('AwsSolutions-IAM5');
      for (const f of rule.applies_to ?? []) expect(accepted).toContain(String(f));
    }
    const star = rules.filter((r) => (r.applies_to ?? []).includes('Resource::*'));
    expect(star).toHaveLength(1);
    expect(star[0]!.reason).toMatch(/ListWorkGroups/);
  });
});
