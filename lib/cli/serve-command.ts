/**
 * `lakehouse serve`: the local web dashboard over the lake (lib/dashboards/server.ts). `start`
 * ends by serving it too.
 */
import type { Command } from 'commander';
import { databaseName } from '../config.ts';
import { lakeRange, startDashboardServer, type DashboardServer } from '../dashboards/server.ts';
import {
  CliError,
  config,
  intArg,
  lakeHome,
  lakeRoot,
  replaceSigint,
  type CommonOptions,
} from './common.ts';

export const DEFAULT_PORT = 3000;
/** With the default port, how many next ports to try when it is taken. */
const PORT_TRIES = 10;

interface ServeOptions extends Pick<CommonOptions, 'lake'> {
  port?: number;
  host: string;
}

/**
 * Starts the dashboard on `port`, or, when none was asked for, on the first free port from 3000
 * on. A port in use is a one-line error naming `--port`.
 */
export async function serveDashboard(
  root: string,
  opts: { port?: number; host?: string },
): Promise<DashboardServer> {
  const database = databaseName(config());
  const ports = opts.port !== undefined ? [opts.port] : range(DEFAULT_PORT, PORT_TRIES);
  for (const port of ports) {
    try {
      return await startDashboardServer({ lakeRoot: root, database, port, host: opts.host });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && port !== ports.at(-1)) continue;
      if (code === 'EADDRINUSE') {
        throw new CliError(
          `port ${port} is in use${opts.port === undefined ? ` (tried ${ports[0]}-${port})` : ''}: pass --port N, or --port 0 for any free port`,
        );
      }
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
        throw new CliError(`cannot listen on ${opts.host}: ${(err as Error).message}`);
      }
      throw err;
    }
  }
  throw new Error('unreachable');
}

function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** Prints where the dashboard is, then keeps serving until Ctrl-C. */
export function announce(server: DashboardServer, root: string): void {
  const { first, last } = lakeRange(root);
  console.log(`\nDashboard: ${server.url}   (Ctrl-C to stop)`);
  if (!first) {
    console.log('  The lake has no Gold tables yet: run `npm start` or `lakehouse run` first.');
  } else {
    console.log(
      `  Data from ${first} to ${last}; the pages refresh while \`lakehouse run --watch\` runs.`,
    );
  }
  // Ctrl-C is how a server stops: say so plainly instead of "interrupted".
  replaceSigint(() => {
    console.error('\nlakehouse: dashboard stopped');
    void server.close().finally(() => process.exit(0));
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('the local web dashboard: the Grafana pages, drawn from the lake on DuckDB')
    .option(
      '--port <n>',
      `port (default ${DEFAULT_PORT}, or the next free one; 0: any)`,
      intArg('--port', 0, 65535),
    )
    .option('--host <host>', 'address to listen on (0.0.0.0 to reach it from a phone)', '127.0.0.1')
    .option('--lake <dir>', 'lakehouse folder (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .action(async (opts: ServeOptions) => {
      const root = lakeRoot(lakeHome(opts));
      const server = await serveDashboard(root, opts);
      announce(server, root);
    });
}
