/**
 * `lakehouse run --watch`: the account's rhythm on the laptop. Every minute the producer's
 * schedule tick generates a batch (the same request an EventBridge tick makes) and it goes through
 * the Kinesis and Firehose stand-ins into Bronze; every `--every` minutes (default: the pipeline
 * schedule) the state machine runs. Ctrl-C stops after the step in progress; a second Ctrl-C
 * stops at once (the next run takes the lock over and drops what was staged).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { runLocalIngest } from '../local/ingest.ts';
import { toRequest } from '../producer/handler.ts';
import { config, fmt, lakeHome, lakeRoot, replaceSigint, secs } from './common.ts';
import { runPipeline, type RunOptions } from './run-command.ts';

export interface WatchOptions extends RunOptions {
  /** Minutes between pipeline runs. */
  every?: number;
  /** Events generated per minute. */
  rate?: number;
}

export async function watch(opts: WatchOptions): Promise<void> {
  const cfg = config();
  const every = opts.every ?? cfg.pipeline.scheduleMinutes;
  const rate = opts.rate ?? 2_000;
  if (!Number.isFinite(every) || every <= 0)
    throw new Error('--every must be a number of minutes > 0');
  if (!Number.isInteger(rate) || rate < 1) throw new Error('--rate must be a whole number ≥ 1');
  const home = lakeHome(opts);
  const stop = new AbortController();
  // Ctrl-C once: finish the step in progress, then stop. Twice: stop now.
  replaceSigint(() => {
    if (stop.signal.aborted) process.exit(130);
    console.error('\nlakehouse: stopping after the current step (Ctrl-C again to stop now)');
    stop.abort();
  });
  console.log(
    `Watching: ${fmt(rate)} events a minute into ${lakeRoot(home)}, the pipeline every ${every} min. Ctrl-C stops.`,
  );
  // Two clocks, as in the account: the producer's tick every minute, the pipeline's schedule.
  let nextIngest = Date.now();
  let nextRun = Date.now() + 60_000;
  let runs = 0;
  let ingested = 0;
  while (!stop.signal.aborted) {
    const wait = Math.min(nextIngest, nextRun) - Date.now();
    if (wait > 0) {
      await delay(wait, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
    }
    if (Date.now() >= nextIngest) {
      const tick = new Date(nextIngest);
      nextIngest += 60_000;
      const request = toRequest(
        { 'detail-type': 'Scheduled Event', source: 'aws.events', time: tick.toISOString() },
        rate,
      );
      const s = await runLocalIngest({
        config: cfg,
        lakeRoot: lakeRoot(home),
        requests: [request],
      });
      ingested += s.emitted;
      console.log(
        `${new Date().toISOString()}  ingested ${fmt(s.emitted)} lines in ${secs(s.seconds)} (${fmt(ingested)} so far)`,
      );
    } else {
      nextRun += every * 60_000;
      const r = await runPipeline({ ...opts, quiet: true });
      runs++;
      const line =
        r.status === 'SUCCEEDED'
          ? r.skipped
            ? r.plan
            : `${r.models.filter((m) => m.partitions > 0).length} model(s), ${fmt(
                r.models.reduce((n, m) => n + m.rows, 0),
              )} rows, ${fmt(r.bytesScanned)} bytes read, ${secs(r.seconds)}`
          : `${r.status}${r.failure ? ` in ${r.failure.state}` : ''}: ${r.error}`;
      console.log(`${new Date().toISOString()}  run ${r.runId}: ${line}`);
    }
    // Fell behind (a long run): skip the ticks that passed rather than bunching them up.
    const now = Date.now();
    if (nextIngest < now - 60_000) nextIngest = now;
    if (nextRun < now - every * 60_000) nextRun = now;
  }
  console.log(`Stopped: ${runs} run(s), ${fmt(ingested)} lines ingested.`);
}
