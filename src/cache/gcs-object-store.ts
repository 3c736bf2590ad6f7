/**
 * An object store in a Google Cloud Storage bucket, through the official client
 * (`@google-cloud/storage`, imported on first use: it takes ~0.7 s to load, which a
 * process that never touches a bucket should not pay).
 *
 * Uploads are single-request (`resumable: false`) uploads of the staged file: an object
 * becomes visible only once complete, so a killed writer leaves nothing, and two writers
 * of one key each publish a whole object and the last one stays. The entry's metadata
 * travels as the object's custom metadata, so `xorq cache ls | prune` read it from the
 * listing without downloading any parquet.
 *
 * Credentials: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, `gcloud
 * auth application-default login`, the metadata server), checked once before the first
 * request so a machine without them gets one clear error instead of retried requests.
 * `STORAGE_EMULATOR_HOST` points the client at an emulator (no credentials needed).
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bucket } from "@google-cloud/storage";
import type { FetchedObject, ObjectInfo, ObjectStore } from "./object-store.js";

/** A parsed `gs://bucket/prefix/` location. */
export interface GcsLocation {
  readonly bucket: string;
  readonly prefix: string;
}

/** `gs://bucket/some/prefix/` -> bucket and prefix (ending in "/", or "" for the bucket's root); null for anything else. */
export function parseGcsUrl(url: string): GcsLocation | null {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return null;
  return { bucket: m[1]!, prefix: normalizePrefix(m[2]!) };
}

function normalizePrefix(prefix: string): string {
  return prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
}

/** Thrown when the client finds no credentials: what to do about it, not a stack of retries. */
export class GcsCredentialsError extends Error {}

const buckets = new Map<string, Promise<Bucket>>();

/** The bucket handle, one client per process, credentials checked once. */
function openBucket(name: string): Promise<Bucket> {
  let bucket = buckets.get(name);
  if (!bucket) {
    bucket = (async () => {
      const { Storage } = await import("@google-cloud/storage");
      const storage = new Storage();
      if (!process.env.STORAGE_EMULATOR_HOST) {
        try {
          await storage.authClient.getClient();
        } catch (e) {
          throw new GcsCredentialsError(
            `GCSCache (gs://${name}): no Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, ` +
              `or run \`gcloud auth application-default login\` (${(e as Error).message})`,
            { cause: e },
          );
        }
      }
      return storage.bucket(name);
    })();
    buckets.set(name, bucket);
    // A failed start is retried by the next use (credentials may appear), and reported by this one.
    bucket.catch(() => buckets.delete(name));
  }
  return bucket;
}

export class GcsObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;

  constructor(bucket: string, prefix = "xorq-cache/") {
    this.bucket = bucket;
    this.prefix = normalizePrefix(prefix);
  }

  get location(): string {
    return `gs://${this.bucket}/${this.prefix}`;
  }

  /** The object name of entry `name` in the bucket. */
  objectName(name: string): string {
    return this.prefix + name;
  }

  async #file(name: string) {
    return (await openBucket(this.bucket)).file(this.objectName(name));
  }

  /** Runs a client call, naming the object and the operation in its error. */
  async #call<T>(what: string, name: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof GcsCredentialsError) throw e;
      throw new Error(`GCS ${what} ${this.location}${name} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  async stat(name: string): Promise<ObjectInfo | null> {
    return this.#call("stat", name, async () => {
      try {
        const [metadata] = await (await this.#file(name)).getMetadata();
        return this.#info(metadata);
      } catch (e) {
        if ((e as { code?: unknown }).code === 404) return null;
        throw e;
      }
    });
  }

  #info(o: { name?: string; size?: string | number; updated?: string; metadata?: Record<string, unknown> | null }): ObjectInfo {
    const custom = Object.fromEntries(Object.entries(o.metadata ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"));
    return { name: o.name!.slice(this.prefix.length), size: Number(o.size), writtenMs: Date.parse(o.updated!), metadata: custom };
  }

  async stagingPath(name: string): Promise<string> {
    return join(tmpdir(), `xorq-gcs-${process.pid}-${randomBytes(4).toString("hex")}-${name}`);
  }

  async publish(staged: string, name: string, metadata: Readonly<Record<string, string>> = {}): Promise<void> {
    try {
      await this.#call("upload", name, async () => {
        const bucket = await openBucket(this.bucket);
        await bucket.upload(staged, {
          destination: this.objectName(name),
          resumable: false,
          contentType: "application/vnd.apache.parquet",
          metadata: { metadata: { ...metadata } },
        });
      });
    } finally {
      await rm(staged, { force: true });
    }
  }

  async fetch(name: string): Promise<FetchedObject> {
    const path = await this.stagingPath(name);
    try {
      await this.#call("download", name, async () => {
        await (await this.#file(name)).download({ destination: path });
      });
    } catch (e) {
      await rm(path, { force: true });
      throw e;
    }
    return { path, inPlace: false, release: () => rm(path, { force: true }) };
  }

  async list(): Promise<ObjectInfo[]> {
    return this.#call("list", "", async () => {
      const [files] = await (await openBucket(this.bucket)).getFiles({ prefix: this.prefix, autoPaginate: true });
      return files.map((f) => this.#info(f.metadata)).sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  async delete(name: string): Promise<void> {
    await this.#call("delete", name, async () => {
      await (await this.#file(name)).delete({ ignoreNotFound: true });
    });
  }
}
