/**
 * cdk-nag (AwsSolutions) on the synthesized stack: no unsuppressed error or warning, and every
 * suppression says why and names the wildcards it accepts. Checked for the default config and for the variant that adds CDK's
 * own custom resources (retainData: false → autoDeleteObjects) and the LocalStack Firehose.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { LakehouseStack } from '../../lib/stack/lakehouse-stack.ts';

// One app, two stacks: the producer bundle is built once and reused by the second stack.
const app = new App();
const stacks = {
  default: new LakehouseStack(app, 'NagDefault', { config: parseConfig({}) }),
  variant: new LakehouseStack(app, 'NagVariant', {
    config: parseConfig({ retainData: false, localstack: true }),
  }),
};
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
// Annotations.fromStack synthesizes the app: once per stack, then reuse the result.
const annotations = {
  default: Annotations.fromStack(stacks.default),
  variant: Annotations.fromStack(stacks.variant),
};

const AWS_SOLUTIONS = Match.stringLikeRegexp('AwsSolutions-.*');

/** The only shapes of wildcard an IAM5 suppression may accept. */
const IAM5_ACCEPTED = [
  // Objects of one bucket under a prefix (or all of its objects: a query runner's reads).
  /^Resource::<\w+\.Arn>\/([\w-]+\/)*\*$/,
  // The versions and aliases of one Lambda function (CDK's LambdaInvoke grant).
  /^Resource::<\w+\.Arn>:\*$/,
  // Tables of the lakehouse database (all of them, or its staging tables).
  /^Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table\/ecommerce_lakehouse\/(\*|\*__stg_\*)$/,
  /^Resource::\*$/,
];

interface Suppression {
  id: string;
  reason: string;
  applies_to?: unknown[];
}

function suppressionsOf(template: Template): { resource: string; rule: Suppression }[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Metadata?: { cdk_nag?: { rules_to_suppress?: Suppression[] } } }
  >;
  return Object.entries(resources).flatMap(([resource, r]) =>
    (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => ({ resource, rule })),
  );
}

describe.each(['default', 'variant'] as const)('cdk-nag AwsSolutions (%s config)', (which) => {
  it('reports no unsuppressed errors', () => {
    const errors = annotations[which].findError('*', AWS_SOLUTIONS);
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data)}`)).toEqual([]);
  });

  it('reports no unsuppressed warnings', () => {
    const warnings = annotations[which].findWarning('*', AWS_SOLUTIONS);
    expect(warnings.map((w) => `${w.id}: ${String(w.entry.data)}`)).toEqual([]);
  });

  it('gives every suppression a specific reason, and scopes IAM5 to named resources', () => {
    const suppressions = suppressionsOf(Template.fromStack(stacks[which]));
    expect(suppressions.length).toBeGreaterThan(0);
    for (const { resource, rule } of suppressions) {
      const where = `${resource} ${rule.id}`;
      expect(rule.id, where).toMatch(/^AwsSolutions-[A-Z]+\d+$/);
      expect(rule.reason.trim().length, where).toBeGreaterThanOrEqual(40);
      if (rule.id === 'AwsSolutions-IAM5') {
        expect(rule.applies_to, `${where} must name the wildcard it accepts`).toBeDefined();
        for (const finding of rule.applies_to ?? []) {
          const f = String(finding);
          expect(
            IAM5_ACCEPTED.some((re) => re.test(f)),
            `${where}: ${f}`,
          ).toBe(true);
          // `Resource::*` only where AWS offers no resource-level permission: the state
          // machine's log delivery and X-Ray tracing.
          if (f === 'Resource::*') expect(resource, where).toMatch(/^PipelineStateMachineRole/);
        }
      }
    }
  });
});
