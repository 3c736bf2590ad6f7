/**
 * Inspecting and managing the parquet entries of a cache location (`xorq cache ls |
 * clear | prune`): a local directory, or a `gs://bucket/prefix/` of GCSCache. Each entry
 * describes itself (key, cached expression hash, strategy, ttl) in its parquet footer,
 * and in a bucket also in the object's custom metadata, so no index file has to be kept
 * in step and a bucket is listed without downloading anything.
 */
import { join } from "node:path";
import type { FileReadingBackend } from "../backends/backend.js";
import { defaultParquetDir } from "./cache-dirs.js";
import { GcsObjectStore, parseGcsUrl } from "./gcs-object-store.js";
import { LocalObjectStore, STAGING_SUFFIX, stagingWriterPid } from "./local-object-store.js";
import type { ObjectInfo, ObjectStore } from "./object-store.js";
import { ENTRY_SUFFIX, isExpired } from "./parquet-cache-store.js";
import { type EntryMetadata, METADATA_KEY } from "./parquet-io.js";
import { type Services, defaultServices } from "../services.js";

export interface CacheEntry {
  readonly key: string;
  /** The file's full path, or the object's `gs://` URL. */
  readonly path: string;
  /** The object's name in its location (the file name in a directory). */
  readonly name: string;
  readonly size: number;
  readonly writtenMs: number;
  /** Read from a local file's footer; null in a bucket (it would take a download). */
  readonly rows: number | null;
  /** Null for a parquet file the cache did not write. */
  readonly metadata: EntryMetadata | null;
  readonly expired: boolean;
}

export interface CacheListing {
  /** The directory or `gs://bucket/prefix/` listed. */
  readonly dir: string;
  readonly entries: ReadonlyArray<CacheEntry>;
  /** Staging files of writers that are running or died mid-write (a bucket has none: uploads are staged locally). */
  readonly staging: ReadonlyArray<{ readonly path: string; readonly name: string; readonly pid: number | null; readonly writtenMs: number; readonly live: boolean }>;
}

/** The store at a cache location: `gs://bucket/prefix/`, else a local directory. */
export function cacheStoreAt(location: string): ObjectStore {
  const gcs = parseGcsUrl(location);
  return gcs ? new GcsObjectStore(gcs.bucket, gcs.prefix) : new LocalObjectStore(location);
}

/**
 * The entries of a cache location (default `~/.cache/xorq/parquet`), newest first. The
 * services' local engine reads the local files' footers.
 */
export async function listCache(dir: string = defaultParquetDir(), now = Date.now(), services: Services = defaultServices()): Promise<CacheListing> {
  const store = cacheStoreAt(dir);
  const objects = await store.list();
  const local = store instanceof LocalObjectStore;
  const at = (name: string) => (local ? join(dir, name) : `${store.location}${name}`);
  const parquet = objects.filter((o) => o.name.endsWith(ENTRY_SUFFIX));
  const footers = local ? await readFooters(parquet.map((o) => at(o.name)), services) : new Map<string, Footer>();
  const entries = parquet.map((o): CacheEntry => {
    const path = at(o.name);
    const footer = footers.get(path);
    const metadata = footer?.metadata ?? storedMetadata(o);
    return {
      key: o.name.slice(0, -ENTRY_SUFFIX.length),
      path,
      name: o.name,
      size: o.size,
      writtenMs: o.writtenMs,
      rows: footer?.rows ?? null,
      metadata,
      expired: metadata !== null && isExpired(o.writtenMs, metadata.ttl, now),
    };
  });
  entries.sort((a, b) => b.writtenMs - a.writtenMs || a.key.localeCompare(b.key));
  const staging = objects
    .filter((o) => o.name.endsWith(STAGING_SUFFIX))
    .map((o) => {
      const pid = stagingWriterPid(o.name);
      return { path: at(o.name), name: o.name, pid, writtenMs: o.writtenMs, live: pid !== null && isAlive(pid) };
    });
  return { dir: local ? dir : store.location, entries, staging };
}

/** An entry's metadata kept beside the object (a bucket's custom metadata), if any. */
function storedMetadata(o: ObjectInfo): EntryMetadata | null {
  const text = o.metadata?.[METADATA_KEY];
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as EntryMetadata;
  } catch {
    return null;
  }
}

export interface ClearOptions {
  /** Only entries caching these expressions (content hashes of the cached sub-expressions). */
  readonly inputs?: ReadonlySet<string>;
  readonly services?: Services;
}

/** Deletes entries (all, or those of the given expressions); returns the deleted paths. */
export async function clearCache(dir: string = defaultParquetDir(), options: ClearOptions = {}): Promise<string[]> {
  const { entries, staging } = await listCache(dir, Date.now(), options.services);
  const store = cacheStoreAt(dir);
  const doomed = options.inputs
    ? entries.filter((e) => e.metadata && options.inputs!.has(e.metadata.input))
    : [...entries, ...staging.filter((s) => !s.live)];
  for (const d of doomed) await store.delete(d.name);
  return doomed.map((d) => d.path);
}

export interface PruneResult {
  readonly removed: ReadonlyArray<{ readonly path: string; readonly name: string; readonly reason: "expired" | "superseded" | "abandoned write" }>;
}

/** Staging files older than this are abandoned even if their pid is alive again (pid reuse). */
const ABANDONED_AFTER_MS = 24 * 3600 * 1000;

/**
 * Deletes what can never be served again: entries past their ttl; modification_time
 * entries superseded by a newer entry of the same expression (written after a source
 * changed, so the older key's source state is gone); and staging files of writers that
 * died mid-write. Live entries and running writers are left alone.
 */
export async function pruneCache(dir: string = defaultParquetDir(), options: { dryRun?: boolean; now?: number; services?: Services } = {}): Promise<PruneResult> {
  const now = options.now ?? Date.now();
  const { entries, staging } = await listCache(dir, now, options.services);
  const removed: Array<PruneResult["removed"][number]> = [];
  const newest = new Set<string>();
  for (const e of entries) {
    // entries are newest first: the first of each expression is the live one
    if (e.expired) removed.push({ path: e.path, name: e.name, reason: "expired" });
    else if (e.metadata?.strategy === "modification_time") {
      if (newest.has(e.metadata.input)) removed.push({ path: e.path, name: e.name, reason: "superseded" });
      else newest.add(e.metadata.input);
    }
  }
  for (const s of staging) {
    if (!s.live || now - s.writtenMs > ABANDONED_AFTER_MS) removed.push({ path: s.path, name: s.name, reason: "abandoned write" });
  }
  if (!options.dryRun) {
    const store = cacheStoreAt(dir);
    for (const r of removed) await store.delete(r.name);
  }
  return { removed };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface Footer {
  readonly metadata: EntryMetadata | null;
  readonly rows: number;
}

async function readFooters(paths: ReadonlyArray<string>, services: Services): Promise<Map<string, Footer>> {
  const out = new Map<string, Footer>();
  if (paths.length === 0) return out;
  const duck = await services.localEngine();
  try {
    await readFooterBatch(duck, paths, out);
  } catch {
    // One unreadable file fails the whole batch: read them one by one and skip the bad ones.
    for (const p of paths) await readFooterBatch(duck, [p], out).catch(() => undefined);
  }
  return out;
}

async function readFooterBatch(duck: FileReadingBackend, paths: ReadonlyArray<string>, out: Map<string, Footer>): Promise<void> {
  const d = duck.dialect;
  const list = `[${paths.map((p) => d.stringLiteral(p)).join(", ")}]`;
  const sql =
    `SELECT m.file_name, m.num_rows::BIGINT AS num_rows, k.meta FROM parquet_file_metadata(${list}) AS m ` +
    `LEFT JOIN (SELECT file_name, decode(value) AS meta FROM parquet_kv_metadata(${list}) WHERE decode(key) = ${d.stringLiteral(METADATA_KEY)}) AS k USING (file_name)`;
  const schema = [
    { name: "file_name", type: "string" },
    { name: "num_rows", type: "int64" },
    { name: "meta", type: "string" },
  ] as const;
  for await (const batch of duck.stream(sql, schema)) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = batch.get(i)!;
      const meta = row.meta as string | null;
      out.set(String(row.file_name), { rows: Number(row.num_rows), metadata: meta ? (JSON.parse(meta) as EntryMetadata) : null });
    }
  }
}
