/**
 * The lake as a folder (lib/local/fs-lake.ts): the LakeState the pipeline handlers use locally.
 * put/get/delete, create-if-absent through a hard link (one winner among concurrent writers), and
 * listings like S3's (files under a prefix, with size and modification time, writes in progress
 * left out; the folders directly under a prefix).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LakeObject } from '../../lib/lake/lake-store.ts';
import { FsLake } from '../../lib/local/fs-lake.ts';

let root: string;
let lake: FsLake;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lakehouse-fs-lake-'));
  lake = new FsLake(join(root, 'lake'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

async function listAll(prefix: string): Promise<LakeObject[]> {
  const out: LakeObject[] = [];
  for await (const o of lake.list(prefix)) out.push(o);
  return out;
}

async function prefixesOf(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const p of lake.listPrefixes(prefix)) out.push(p);
  return out;
}

/** Every file under the lake folder, relative paths. */
const filesOf = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

describe('FsLake', () => {
  it('get of a missing key is undefined; put then get returns the text', async () => {
    expect(await lake.get('_state/pipeline/watermark.json')).toBeUndefined();
    await lake.put('_state/pipeline/watermark.json', '{"a":1}');
    expect(await lake.get('_state/pipeline/watermark.json')).toBe('{"a":1}');
    await lake.put('_state/pipeline/watermark.json', new TextEncoder().encode('{"a":2}'));
    expect(await lake.get('_state/pipeline/watermark.json')).toBe('{"a":2}');
  });

  it('putIfAbsent creates once, then refuses and keeps the first body', async () => {
    expect(await lake.putIfAbsent('_state/pipeline/lock.json', 'first')).toBe(true);
    expect(await lake.putIfAbsent('_state/pipeline/lock.json', 'second')).toBe(false);
    expect(await lake.get('_state/pipeline/lock.json')).toBe('first');
    // No temporary file is left behind either way.
    expect(filesOf(lake.root)).toEqual(['_state/pipeline/lock.json']);
  });

  it('putIfAbsent has exactly one winner among concurrent writers', async () => {
    const wins = await Promise.all(
      Array.from({ length: 20 }, (_, i) => lake.putIfAbsent('lock.json', `writer ${i}`)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await lake.get('lock.json')).toBe(`writer ${wins.indexOf(true)}`);
  });

  it('after delete, the key can be created again; deleting a missing key is fine', async () => {
    await lake.putIfAbsent('lock.json', 'a');
    await lake.delete('lock.json');
    expect(await lake.get('lock.json')).toBeUndefined();
    await expect(lake.delete('lock.json')).resolves.toBeUndefined();
    await expect(lake.delete('never/was/here.json')).resolves.toBeUndefined();
    expect(await lake.putIfAbsent('lock.json', 'b')).toBe(true);
    expect(await lake.get('lock.json')).toBe('b');
  });

  it('lists files under a prefix with size and lastModified, leaving out writes in progress', async () => {
    const a = 'bronze/events/dt=2026-11-20/hour=00/a.gz';
    const b = 'bronze/events/dt=2026-11-21/hour=03/b.gz';
    await lake.put(a, 'abc');
    await lake.put(b, 'hello');
    await lake.put('bronze/_errors/processing-failed/dt=2026-11-20/e.gz', 'x');
    // A write in progress and a hidden folder: never listed.
    writeFileSync(`${lake.path(a)}.1a2b.tmp`, 'partial');
    mkdirSync(join(dirname(lake.path(a)), '.hidden'));
    writeFileSync(join(dirname(lake.path(a)), '.hidden', 'x.gz'), 'x');
    const t1 = new Date('2026-11-22T10:00:00Z');
    const t2 = new Date('2026-11-22T10:30:00Z');
    utimesSync(lake.path(a), t1, t1);
    utimesSync(lake.path(b), t2, t2);

    const listed = await listAll('bronze/events/');
    expect(listed).toEqual([
      { key: a, size: 3, lastModified: t1 },
      { key: b, size: 5, lastModified: t2 },
    ]);
    expect(listed[0]!.lastModified).toBeInstanceOf(Date);
    expect((await listAll('bronze/events/dt=2026-11-21/')).map((o) => o.key)).toEqual([b]);
    expect(await listAll('bronze/reference/')).toEqual([]);
  });

  it('lists the folders directly under a prefix, like S3 common prefixes', async () => {
    await lake.put('bronze/events/dt=2026-11-21/hour=03/b.gz', 'x');
    await lake.put('bronze/events/dt=2026-11-20/hour=00/a.gz', 'x');
    await lake.put('bronze/events/dt=2026-11-20/hour=01/c.gz', 'x');
    await lake.put('bronze/events/stray.gz', 'x'); // an object, not a folder
    await lake.put('bronze/_errors/processing-failed/dt=2026-11-20/e.gz', 'x');
    // A dot-folder (a write in progress) is never listed.
    mkdirSync(lake.path('bronze/events/.tmp-write'), { recursive: true });

    expect(await prefixesOf('bronze/events/')).toEqual([
      'bronze/events/dt=2026-11-20/',
      'bronze/events/dt=2026-11-21/',
    ]);
    expect(await prefixesOf('bronze/events/dt=2026-11-20/')).toEqual([
      'bronze/events/dt=2026-11-20/hour=00/',
      'bronze/events/dt=2026-11-20/hour=01/',
    ]);
    expect(await prefixesOf('bronze/')).toEqual(['bronze/_errors/', 'bronze/events/']);
    expect(await prefixesOf('bronze/events/dt=2026-11-20/hour=00/')).toEqual([]);
    // A missing prefix, or one that names an object: nothing.
    expect(await prefixesOf('bronze/reference/')).toEqual([]);
    expect(await prefixesOf('bronze/events/stray.gz/')).toEqual([]);
    await expect(prefixesOf('../')).rejects.toThrow('escapes the lake folder');
  });

  it('refuses keys that leave the lake folder', async () => {
    await expect(lake.get('../outside.json')).rejects.toThrow(
      'lake key escapes the lake folder: ../outside.json',
    );
    await expect(lake.putIfAbsent('a/../../x', 'x')).rejects.toThrow('escapes the lake folder');
  });
});
