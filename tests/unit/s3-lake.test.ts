/**
 * The lake bucket (lib/lake/s3-lake.ts) against a mocked S3 client: listings follow continuation
 * tokens, object listings skip folder markers, and `listPrefixes` asks for common prefixes with
 * delimiter `/` page by page.
 */
import { ListObjectsV2Command, S3Client, type ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Lake } from '../../lib/lake/s3-lake.ts';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

const lake = () => new S3Lake(new S3Client({}), 'lake-bucket');

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const inputs = () =>
  s3Mock
    .commandCalls(ListObjectsV2Command)
    .map((c) => c.args[0].input as ListObjectsV2CommandInput);

describe('S3Lake.listPrefixes', () => {
  it('follows continuation tokens through every page of common prefixes', async () => {
    s3Mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 'page-2',
        CommonPrefixes: [
          { Prefix: 'bronze/events/dt=2026-11-19/' },
          { Prefix: 'bronze/events/dt=2026-11-20/' },
        ],
        // Objects directly under the prefix are not folders.
        Contents: [{ Key: 'bronze/events/stray.gz', Size: 1 }],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 'page-2' })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 'page-3',
        CommonPrefixes: [{ Prefix: 'bronze/events/dt=2026-11-21/' }],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 'page-3' })
      .resolves({
        IsTruncated: false,
        CommonPrefixes: [{ Prefix: 'bronze/events/dt=2026-11-22/' }],
      });

    expect(await collect(lake().listPrefixes('bronze/events/'))).toEqual([
      'bronze/events/dt=2026-11-19/',
      'bronze/events/dt=2026-11-20/',
      'bronze/events/dt=2026-11-21/',
      'bronze/events/dt=2026-11-22/',
    ]);
    expect(inputs()).toEqual([
      {
        Bucket: 'lake-bucket',
        Prefix: 'bronze/events/',
        Delimiter: '/',
        ContinuationToken: undefined,
      },
      {
        Bucket: 'lake-bucket',
        Prefix: 'bronze/events/',
        Delimiter: '/',
        ContinuationToken: 'page-2',
      },
      {
        Bucket: 'lake-bucket',
        Prefix: 'bronze/events/',
        Delimiter: '/',
        ContinuationToken: 'page-3',
      },
    ]);
  });

  it('an empty prefix has no folders (one request)', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });
    expect(await collect(lake().listPrefixes('bronze/reference/products/'))).toEqual([]);
    expect(inputs()).toHaveLength(1);
  });
});

describe('S3Lake.list', () => {
  it('lists every object under a prefix (no delimiter), page by page, without folder markers', async () => {
    const t = new Date('2026-11-22T10:00:00Z');
    s3Mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 'next',
        Contents: [
          { Key: 'bronze/events/dt=2026-11-20/', Size: 0, LastModified: t },
          { Key: 'bronze/events/dt=2026-11-20/hour=00/a.gz', Size: 3, LastModified: t },
        ],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 'next' })
      .resolves({
        IsTruncated: false,
        Contents: [{ Key: 'bronze/events/dt=2026-11-20/hour=01/b.gz', Size: 5, LastModified: t }],
      });
    expect(await collect(lake().list('bronze/events/dt=2026-11-20/'))).toEqual([
      { key: 'bronze/events/dt=2026-11-20/hour=00/a.gz', size: 3, lastModified: t },
      { key: 'bronze/events/dt=2026-11-20/hour=01/b.gz', size: 5, lastModified: t },
    ]);
    expect(inputs().map((i) => [i.Delimiter, i.ContinuationToken])).toEqual([
      [undefined, undefined],
      [undefined, 'next'],
    ]);
  });
});
