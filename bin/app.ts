/**
 * CDK app entry (cdk.json: `npx tsx bin/app.ts`). One stack, checked by cdk-nag.
 *
 *   npx cdk synth                                        default config (+ lakehouse.config.json)
 *   npx cdk synth -c localstack=true                     LocalStack variant
 *   npx cdk synth -c config='{"kinesis":{"shardCount":4}}' -c stackName=MyLakehouse
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { configOverridesFromContext, stackNameFromContext } from '../lib/stack/app-context.ts';
import { LakehouseStack } from '../lib/stack/lakehouse-stack.ts';

const app = new App();
const context = (key: string): unknown => app.node.tryGetContext(key);
try {
  const config = loadConfig(configOverridesFromContext(context));
  // Environment-agnostic on purpose: the same template for every account, region and LocalStack.
  new LakehouseStack(app, stackNameFromContext(context), { config });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`error: ${err.message.replace(/\s*\n\s*/g, ' ')}`);
    process.exit(1);
  }
  throw err;
}
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
