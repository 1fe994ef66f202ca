/** Where lake objects are written: S3 in the account, a folder on the laptop (same keys). */
export interface LakeStore {
  /** Writes one object whole; a reader never sees a partial object. */
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
}
