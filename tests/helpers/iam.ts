/**
 * IAM in a synthesized template, for the stack tests: every statement a role is granted, from
 * its inline policies and from the policies (AWS::IAM::Policy, AWS::IAM::ManagedPolicy) that
 * name it. A role with AWS managed policies attached is refused: the stack grants least
 * privilege itself.
 */
import type { Template } from 'aws-cdk-lib/assertions';

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

/** A value that may be one item or a list, as a list. */
export const list = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

export function statementsOfRole(t: Template, roleId: string): Statement[] {
  const resources = t.toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  const role = resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an IAM role`);
  const docs: unknown[] = [];
  for (const p of list(role.Properties?.Policies as { PolicyDocument: unknown }[]))
    docs.push(p.PolicyDocument);
  if (role.Properties?.ManagedPolicyArns) throw new Error(`${roleId} has managed policies`);
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = list(r.Properties?.Roles as unknown[]).map((x) => JSON.stringify(x));
    if (roles.includes(JSON.stringify({ Ref: roleId }))) docs.push(r.Properties?.PolicyDocument);
  }
  return docs.flatMap((d) => list((d as { Statement: Statement | Statement[] }).Statement));
}
