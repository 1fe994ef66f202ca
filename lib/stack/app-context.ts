/**
 * CDK context → config overrides, for bin/app.ts:
 *   -c localstack=true                          → { localstack: true }
 *   -c grafana=true                             → { dashboards: { grafana: true } }
 *   -c config='{"kinesis":{"shardCount":4}}'    → merged over the config file (JSON)
 *   -c stackName=MyLakehouse                    → the CloudFormation stack name
 * Context given on the command line arrives as strings; cdk.json may hold real JSON values.
 */
import { ConfigError, type LakehouseConfigInput } from '../config.ts';
import { DEFAULT_STACK_NAME } from './lakehouse-stack.ts';

export type ContextReader = (key: string) => unknown;

function parseBoolean(key: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(
    `invalid context ${key}: expected true or false, got ${JSON.stringify(value)}`,
  );
}

export function configOverridesFromContext(get: ContextReader): LakehouseConfigInput {
  let overrides: Record<string, unknown> = {};
  const raw = get('config');
  if (raw !== undefined) {
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch (err) {
        throw new ConfigError(`invalid context config: not JSON (${(err as Error).message})`);
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError('invalid context config: expected a JSON object');
    }
    overrides = { ...(value as Record<string, unknown>) };
  }
  const localstack = get('localstack');
  if (localstack !== undefined) overrides.localstack = parseBoolean('localstack', localstack);
  const grafana = get('grafana');
  if (grafana !== undefined) {
    const dashboards = overrides.dashboards;
    overrides.dashboards = {
      ...(typeof dashboards === 'object' && dashboards !== null ? dashboards : {}),
      grafana: parseBoolean('grafana', grafana),
    };
  }
  return overrides as LakehouseConfigInput;
}

/** Stack names: letters, digits and dashes, starting with a letter, at most 128 characters. */
export function stackNameFromContext(get: ContextReader): string {
  const name = get('stackName');
  if (name === undefined) return DEFAULT_STACK_NAME;
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name)) {
    throw new ConfigError(
      `invalid context stackName: ${JSON.stringify(name)} (letters, digits, dashes; starts with a letter)`,
    );
  }
  return name;
}
