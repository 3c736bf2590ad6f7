/**
 * The cache policies users attach with `.cache(...)`: a strategy (how the key is
 * computed) times a storage (where the result lives), as Xorq names the combinations.
 *
 * ```ts
 * expr.cache(xo.ParquetCache.fromKwargs());                          // ~/.cache/xorq/parquet/<key>.parquet
 * expr.cache(xo.SourceCache.fromKwargs({ source: con }));            // a table in `con` named by the key
 * expr.cache(xo.ParquetTTLSnapshotCache.fromKwargs({ ttl: "1h" }));  // recomputed after an hour
 * ```
 *
 * A policy is portable data (`toPolicy()`): it is what the `cache` node stores and
 * hashes, so it holds profile names and relative paths, never connections or secrets.
 */
import { join } from "node:path";
import type { Backend } from "../backends/backend.js";
import { DEFAULT_RELATIVE_PATH } from "./cache-dirs.js";
import { ExpressionError } from "../expr/errors.js";
import type { BackendRef, CachePolicy, CacheStorage, CacheStrategy } from "../expr/relation-nodes.js";
import type { CachePolicyLike } from "../expr/table.js";

/** A cache setting that is not valid; `field` names the offending key (e.g. "ttl") for YAML positions. */
export class CacheConfigError extends ExpressionError {
  readonly field: string | null;
  readonly exitCode = 2;
  constructor(message: string, field: string | null = null) {
    super(message);
    this.field = field;
  }
}

const TTL_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds from a number of seconds or a duration like "90s", "30m", "1h", "1h30m", "7d". */
export function parseTtl(value: unknown): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value > 0) return value;
    throw new CacheConfigError(`ttl must be a positive number of seconds, got ${value}`, "ttl");
  }
  if (typeof value === "string") {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return parseTtl(Number(text));
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*([smhdw])/g)];
    if (parts.length > 0 && parts.map((p) => p[0]).join("").replace(/\s/g, "") === text.replace(/\s/g, "")) {
      const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * TTL_UNITS[p[2]!]!, 0);
      if (seconds > 0) return seconds;
    }
  }
  throw new CacheConfigError(`ttl must be seconds or a duration like "30m", "1h", "1h30m", "7d"; got ${JSON.stringify(value)}`, "ttl");
}

/** The settings every named policy is built from. */
export interface CacheSpecOptions {
  readonly strategy: CacheStrategy;
  readonly storage: CacheStorage;
  readonly ttl?: number | string | null;
  /** Source storage: the engine holding the tables. Parquet storage: the DuckDB that writes and reads the files. */
  readonly source?: Backend;
  /** The same, named by profile only (YAML): the connection is found when the expression runs. */
  readonly sourceRef?: BackendRef;
  /** Parquet: a directory relative to the cache root (`XORQ_CACHE_DIR`, default `~/.cache/xorq`); default "parquet". */
  readonly relativePath?: string;
  /** Parquet: a directory of its own (relative to the working directory, or the project root in a project). */
  readonly path?: string;
  /** GCS: the bucket, and an object-name prefix (default "xorq-cache/"). */
  readonly bucket?: string;
  readonly prefix?: string;
}

/**
 * Any strategy x storage combination. The named classes below are the combinations
 * Xorq names; `new CacheSpec({...})` builds the others (e.g. a GCS snapshot cache).
 */
export class CacheSpec implements CachePolicyLike {
  readonly #policy: CachePolicy;
  readonly backend?: Backend;

  constructor(options: CacheSpecOptions) {
    const { strategy, storage } = options;
    const ttl = options.ttl === undefined || options.ttl === null ? null : parseTtl(options.ttl);
    if (ttl !== null && storage === "source") {
      throw new CacheConfigError("ttl needs parquet or gcs storage (an entry's age is its file's age)", "ttl");
    }
    if (storage !== "parquet" && (options.path !== undefined || options.relativePath !== undefined)) {
      throw new CacheConfigError(`path and relative_path apply to parquet storage, not ${storage}`, options.path !== undefined ? "path" : "relative_path");
    }
    if (options.path !== undefined && options.relativePath !== undefined) {
      throw new CacheConfigError("give either path or relative_path, not both", "path");
    }
    if (storage === "gcs" && !options.bucket) throw new CacheConfigError("gcs storage needs a bucket", "bucket");
    if (storage !== "gcs" && (options.bucket !== undefined || options.prefix !== undefined)) {
      throw new CacheConfigError(`bucket and prefix apply to gcs storage, not ${storage}`, options.bucket !== undefined ? "bucket" : "prefix");
    }
    const o: Record<string, string> = {};
    const sourceRef = options.source?.ref ?? options.sourceRef;
    if (sourceRef) {
      o.source = sourceRef.name;
      o.source_kind = sourceRef.kind;
    }
    if (options.path !== undefined) o.path = nonEmpty(options.path, "path");
    if (options.relativePath !== undefined) o.relative_path = nonEmpty(options.relativePath, "relative_path");
    if (options.bucket !== undefined) o.bucket = nonEmpty(options.bucket, "bucket");
    if (options.prefix !== undefined) o.prefix = options.prefix;
    this.#policy = Object.freeze({ strategy, storage, ttl, options: Object.freeze(o) });
    if (options.source) this.backend = options.source;
  }

  /** The portable policy stored in the `cache` node (and hashed with it). */
  toPolicy(): CachePolicy {
    return this.#policy;
  }
}

function nonEmpty(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new CacheConfigError(`${field} must be a non-empty string`, field);
  return value;
}

/** The keyword arguments of the named classes, spelled as in Xorq. */
export interface SourceKwargs {
  /** The engine whose tables hold the entries; default: the engine the expression runs in. */
  readonly source?: Backend;
}

export interface ParquetKwargs {
  /** The DuckDB that writes and reads the files; default: the expression's engine if it is DuckDB. */
  readonly source?: Backend;
  /** A directory under the cache root (default "parquet", so `~/.cache/xorq/parquet`). */
  readonly relative_path?: string;
  /** A directory of its own, instead of the cache root. */
  readonly path?: string;
  /** Xorq's spelling: the cache root `relative_path` is under (default: the cache root, `XORQ_CACHE_DIR`). */
  readonly base_path?: string;
}

export interface ParquetTTLKwargs extends ParquetKwargs {
  /** Seconds, or a duration like "30m", "1h", "7d"; default one day, as in Xorq. */
  readonly ttl?: number | string;
}

/** Xorq's default time-to-live of `ParquetTTLSnapshotCache` (`ParquetTTLStorage`): one day. */
export const DEFAULT_TTL = "1d";

export type GCSKwargs = GCSPlace & {
  /** Object-name prefix inside the bucket (default "xorq-cache/"). */
  readonly prefix?: string;
  /** The DuckDB that writes and reads the parquet files. */
  readonly source?: Backend;
};

/** The bucket, as `bucket` or in Xorq's spelling `bucket_name`. */
type GCSPlace = { readonly bucket: string; readonly bucket_name?: undefined } | { readonly bucket_name: string; readonly bucket?: undefined };

function checkKwargs(kwargs: object, allowed: ReadonlyArray<string>, cls: string): void {
  for (const k of Object.keys(kwargs)) {
    if (!allowed.includes(k)) {
      throw new CacheConfigError(`${cls}.fromKwargs: unknown argument '${k}' (expected ${allowed.join(", ") || "none"})`, k);
    }
  }
}

const SOURCE_ARGS = ["source"];
const PARQUET_ARGS = ["source", "relative_path", "path", "base_path"];

/** modification_time x a table in the source engine. */
export class SourceCache extends CacheSpec {
  static fromKwargs(kwargs: SourceKwargs = {}): SourceCache {
    checkKwargs(kwargs, SOURCE_ARGS, "SourceCache");
    return new SourceCache({ strategy: "modification_time", storage: "source", source: kwargs.source });
  }
}

/** snapshot x a table in the source engine: the first result is served until deleted. */
export class SourceSnapshotCache extends CacheSpec {
  static fromKwargs(kwargs: SourceKwargs = {}): SourceSnapshotCache {
    checkKwargs(kwargs, SOURCE_ARGS, "SourceSnapshotCache");
    return new SourceSnapshotCache({ strategy: "snapshot", storage: "source", source: kwargs.source });
  }
}

/** modification_time x `<cache dir>/<key>.parquet`. */
export class ParquetCache extends CacheSpec {
  static fromKwargs(kwargs: ParquetKwargs = {}): ParquetCache {
    checkKwargs(kwargs, PARQUET_ARGS, "ParquetCache");
    return new ParquetCache({ strategy: "modification_time", storage: "parquet", ...parquetPlace(kwargs) });
  }
}

/** snapshot x `<cache dir>/<key>.parquet`. */
export class ParquetSnapshotCache extends CacheSpec {
  static fromKwargs(kwargs: ParquetKwargs = {}): ParquetSnapshotCache {
    checkKwargs(kwargs, PARQUET_ARGS, "ParquetSnapshotCache");
    return new ParquetSnapshotCache({ strategy: "snapshot", storage: "parquet", ...parquetPlace(kwargs) });
  }
}

/** snapshot x parquet, recomputed once the entry is older than `ttl`. */
export class ParquetTTLSnapshotCache extends CacheSpec {
  static fromKwargs(kwargs: ParquetTTLKwargs = {}): ParquetTTLSnapshotCache {
    checkKwargs(kwargs, [...PARQUET_ARGS, "ttl"], "ParquetTTLSnapshotCache");
    return new ParquetTTLSnapshotCache({ strategy: "snapshot", storage: "parquet", ttl: kwargs.ttl ?? DEFAULT_TTL, ...parquetPlace(kwargs) });
  }
}

/** modification_time x parquet objects in a Google Cloud Storage bucket. */
export class GCSCache extends CacheSpec {
  static fromKwargs(kwargs: GCSKwargs): GCSCache {
    checkKwargs(kwargs ?? {}, ["bucket", "bucket_name", "prefix", "source"], "GCSCache");
    if (kwargs?.bucket !== undefined && kwargs.bucket_name !== undefined) {
      throw new CacheConfigError("GCSCache.fromKwargs: give bucket or bucket_name (Xorq's spelling), not both", "bucket_name");
    }
    const bucket = kwargs?.bucket ?? kwargs?.bucket_name;
    return new GCSCache({ strategy: "modification_time", storage: "gcs", bucket, prefix: kwargs?.prefix, source: kwargs?.source });
  }
}

/** Where parquet files go; Xorq's `base_path` (a root for `relative_path`) becomes a directory of its own. */
function parquetPlace(kwargs: ParquetKwargs): Pick<CacheSpecOptions, "source" | "path" | "relativePath"> {
  if (kwargs.base_path !== undefined) {
    if (kwargs.path !== undefined) throw new CacheConfigError("give path or base_path, not both", "base_path");
    return { source: kwargs.source, path: join(nonEmpty(kwargs.base_path, "base_path"), kwargs.relative_path ?? DEFAULT_RELATIVE_PATH) };
  }
  return { source: kwargs.source, path: kwargs.path, relativePath: kwargs.relative_path };
}
