/**
 * How this project's Node.js functions are built: esbuild from node_modules (no Docker, works
 * offline), ESM for Node.js 22 on arm64, the AWS SDK v3 left to the runtime. One place, so the
 * producer and the pipeline functions cannot drift apart.
 */
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root: entry points and the lock file are resolved from here, not from the cwd. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Entry point of a Lambda under `lambdas/<name>/index.ts`. */
export const lambdaEntry = (name: string) =>
  fileURLToPath(new URL(`../../lambdas/${name}/index.ts`, import.meta.url));

/** Lets ESM bundles load CommonJS dependencies that call `require`. */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/** The function props every project function shares (entry, runtime, bundling). */
export function nodeFunctionDefaults(
  name: string,
  bundling: Partial<nodejs.BundlingOptions> = {},
): Pick<
  nodejs.NodejsFunctionProps,
  'entry' | 'handler' | 'projectRoot' | 'depsLockFilePath' | 'runtime' | 'architecture' | 'bundling'
> {
  return {
    entry: lambdaEntry(name),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: fileURLToPath(new URL('../../package-lock.json', import.meta.url)),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: {
      forceDockerBundling: false,
      format: nodejs.OutputFormat.ESM,
      banner: ESM_REQUIRE_BANNER,
      mainFields: ['module', 'main'],
      minify: true,
      sourceMap: true,
      target: 'node22',
      // The Node.js 22 runtime ships AWS SDK v3.
      externalModules: ['@aws-sdk/*'],
      ...bundling,
    },
  };
}
