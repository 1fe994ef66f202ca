/** Where lake objects are written: S3 in the account, a folder on the laptop (same keys). */
export interface LakeStore {
  /** Writes one object whole; a reader never sees a partial object. */
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
}

/** One object of the lake, as a listing returns it. */
export interface LakeObject {
  readonly key: string;
  readonly size: number;
  /** S3 `LastModified`; the file's modification time locally. */
  readonly lastModified: Date;
}

/** Lists lake objects under a key prefix, and the "folders" directly under one. */
export interface LakeLister {
  /** Every object under `prefix` (at any depth), in key order. */
  list(prefix: string): AsyncIterable<LakeObject>;
  /**
   * The immediate sub-folders of `prefix` (which ends in `/`), each as `${prefix}<name>/`, in key
   * order: S3's `CommonPrefixes` with delimiter `/`. One request per 1,000 folders, however many
   * objects they hold.
   */
  listPrefixes(prefix: string): AsyncIterable<string>;
}

/**
 * What the pipeline's Lambda handlers need of the lake: listings, and small state objects
 * (watermark, run lock, run records) read, written, created only if absent, and deleted.
 */
export interface LakeState extends LakeStore, LakeLister {
  /** The object's text, or `undefined` when there is none. */
  get(key: string): Promise<string | undefined>;
  /** Creates the object only if no object has that key; false when one does. */
  putIfAbsent(key: string, body: string): Promise<boolean>;
  /** Deletes the object (no error when it is absent). */
  delete(key: string): Promise<void>;
}
