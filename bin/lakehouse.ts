#!/usr/bin/env tsx
/** The `lakehouse` CLI: the laptop side of ecommerce-lakehouse. */
import { Command, CommanderError } from 'commander';
import { registerBench } from '../lib/cli/bench-command.ts';
import { registerRun } from '../lib/cli/run-command.ts';
import { CliError } from '../lib/cli/common.ts';
import { registerDoctor } from '../lib/cli/doctor-command.ts';
import { registerDq } from '../lib/cli/dq-command.ts';
import { registerIngest } from '../lib/cli/ingest-command.ts';
import { registerLoad } from '../lib/cli/load-command.ts';
import { registerSql } from '../lib/cli/sql-command.ts';
import { registerServe } from '../lib/cli/serve-command.ts';
import { registerStart } from '../lib/cli/start-command.ts';

// Node 20 is supported here; the SDK's notice about its future Node 22 floor is noise in a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command('lakehouse')
  .description(
    'ecommerce-lakehouse on this machine: the same handlers, SQL and state machine as the account',
  )
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerStart(program);
registerIngest(program);
registerLoad(program);
registerRun(program);
registerSql(program);
registerDq(program);
registerServe(program);
registerDoctor(program);
registerBench(program);

// Output piped into a reader that stops early (`| head`): stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// Ctrl-C: exit through process.exit so 'exit' handlers remove temporary stores and buffers.
process.once('SIGINT', () => {
  console.error(
    '\nlakehouse: interrupted; what was delivered or published stays, the next run redoes the rest',
  );
  process.exit(130);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    const e = err as Error;
    const known = e instanceof CliError || e.name === 'ConfigError' || e.name === 'PutRecordsError';
    console.error(`lakehouse: ${e.message}`);
    if (!known && process.env.LAKEHOUSE_DEBUG) console.error(e.stack);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
}
