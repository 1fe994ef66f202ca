import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LakeStore } from './lake-store.ts';

/** The lake bucket; encryption comes from the bucket's default (SSE-KMS), set by the stack. */
export class S3Lake implements LakeStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }
}
