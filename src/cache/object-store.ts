/**
 * Where parquet cache entries are kept: a local directory or a bucket. Entries are
 * whole objects that appear atomically (a reader sees all of an object or none of it),
 * which is what makes a killed writer harmless.
 */

export interface ObjectInfo {
  readonly name: string;
  readonly size: number;
  /** When the object was written (ms since the epoch): a TTL is measured from here. */
  readonly writtenMs: number;
  /** Metadata stored beside the object (a bucket's custom metadata); absent where the store keeps none. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A local file holding an object; `release()` deletes it if it was a downloaded copy. */
export interface FetchedObject {
  readonly path: string;
  /** True when `path` is the stored object itself (it stays put), false for a temporary copy. */
  readonly inPlace: boolean;
  release(): Promise<void>;
}

export interface ObjectStore {
  /** A directory or a `gs://bucket/prefix/` URL, for messages and events. */
  readonly location: string;
  stat(name: string): Promise<ObjectInfo | null>;
  /** A fresh local path to write an object to before `publish`; never read by anyone else. */
  stagingPath(name: string): Promise<string>;
  /**
   * Turns a staged file into the object `name` atomically (replacing any older one) and
   * consumes the staged file; `metadata` is kept beside it where the store can (a local
   * directory cannot: the parquet footer carries the same).
   */
  publish(staged: string, name: string, metadata?: Readonly<Record<string, string>>): Promise<void>;
  fetch(name: string): Promise<FetchedObject>;
  list(): Promise<ObjectInfo[]>;
  delete(name: string): Promise<void>;
}
