/** Streams an NDJSON file (plain or gzip, detected by its magic bytes) as chunks of lines. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export interface LineStats {
  lines: number;
  /** Empty lines, which carry no event and are not sent. */
  blank: number;
}

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Yields arrays of at most `chunkLines` non-empty lines; `stats` is updated as it reads. */
export async function* readLineChunks(
  path: string,
  chunkLines: number,
  stats: LineStats,
): AsyncGenerator<string[]> {
  const gz = await isGzip(path);
  const file = createReadStream(path);
  let input: Readable = file;
  if (gz) {
    const gunzip = createGunzip();
    file.on('error', (e) => gunzip.destroy(e));
    input = file.pipe(gunzip);
  }
  const rl = createInterface({ input, crlfDelay: Infinity });
  let chunk: string[] = [];
  for await (const line of rl) {
    if (line.length === 0) {
      stats.blank++;
      continue;
    }
    stats.lines++;
    chunk.push(line);
    if (chunk.length >= chunkLines) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}
