/**
 * The YAML form of a cache policy (`cache:` in a model, `cache:` defaults in
 * project.yaml), turned into the same policy objects the TS API builds:
 *
 * ```yaml
 * cache: true                                            # the project's default
 * cache: { storage: parquet, strategy: modification_time }
 * cache: { storage: parquet, ttl: 1h }                   # ParquetTTLSnapshotCache
 * cache: { storage: source }                             # a table in the model's engine
 * cache: { storage: source, profile: pg }                # ... or in another profile's engine
 * cache: { storage: gcs, bucket: my-bucket }
 * ```
 *
 * Errors are `CacheConfigError`s whose `field` names the offending key, so the project
 * loader can point at its line and column.
 */
import type { Backend } from "../backends/backend.js";
import type { BackendRef, CacheStorage, CacheStrategy } from "../expr/relation-nodes.js";
import {
  CacheConfigError,
  CacheSpec,
  GCSCache,
  ParquetCache,
  ParquetSnapshotCache,
  ParquetTTLSnapshotCache,
  SourceCache,
  SourceSnapshotCache,
} from "./cache-policies.js";

const KEYS = ["storage", "strategy", "ttl", "bucket", "prefix", "path", "relative_path", "profile"] as const;
const STORAGES: ReadonlyArray<CacheStorage> = ["source", "parquet", "gcs"];
const STRATEGIES: ReadonlyArray<CacheStrategy> = ["snapshot", "modification_time"];

/** What a model gets for `cache: true` when project.yaml sets no default. */
export const BUILTIN_CACHE_DEFAULTS = Object.freeze({ storage: "parquet", strategy: "modification_time" });

export interface CacheYamlContext {
  /** The project's profiles (open connections or their refs), to check `profile:`. */
  readonly profiles?: ReadonlyMap<string, Backend | BackendRef>;
}

/**
 * A cache policy from its YAML value. `true` takes the project defaults; an object
 * overrides them key by key (a `ttl` without a `strategy` means snapshot, as in
 * `ParquetTTLSnapshotCache`); `false` or absent means no cache (null).
 */
export function cachePolicyFromYaml(value: unknown, projectDefaults?: unknown, context: CacheYamlContext = {}): CacheSpec | null {
  if (value === undefined || value === null || value === false) return null;
  const defaults = projectDefaults === undefined || projectDefaults === null ? BUILTIN_CACHE_DEFAULTS : checkObject(projectDefaults, "project cache defaults");
  const own = value === true ? {} : checkObject(value, "cache");
  // A default's storage-specific keys (a bucket, a path, a ttl) only apply to that storage.
  const sameStorage = own.storage === undefined || own.storage === (defaults.storage ?? BUILTIN_CACHE_DEFAULTS.storage);
  const inherited = sameStorage ? defaults : defaults.strategy === undefined ? {} : { strategy: defaults.strategy };
  const merged: Record<string, unknown> = { ...BUILTIN_CACHE_DEFAULTS, ...inherited, ...own };
  if (own.ttl !== undefined && own.strategy === undefined) merged.strategy = "snapshot";

  const storage = merged.storage as CacheStorage;
  if (!STORAGES.includes(storage)) throw new CacheConfigError(`cache storage must be one of ${STORAGES.join(", ")}; got ${JSON.stringify(merged.storage)}`, "storage");
  const strategy = merged.strategy as CacheStrategy;
  if (!STRATEGIES.includes(strategy)) throw new CacheConfigError(`cache strategy must be one of ${STRATEGIES.join(", ")}; got ${JSON.stringify(merged.strategy)}`, "strategy");
  const pick = (key: string): string | undefined => {
    const v = merged[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw new CacheConfigError(`cache ${key} must be a string; got ${JSON.stringify(v)}`, key);
    return v;
  };

  let source: Backend | undefined;
  let sourceRef: BackendRef | undefined;
  const profile = pick("profile");
  if (profile !== undefined) {
    const found = context.profiles?.get(profile);
    if (!found) {
      const known = context.profiles ? ` (profiles: ${[...context.profiles.keys()].join(", ")})` : "";
      throw new CacheConfigError(`cache profile '${profile}' is not a profile of the project${known}`, "profile");
    }
    if ("dialect" in found) source = found;
    else sourceRef = found;
  }
  const spec = {
    strategy,
    storage,
    ttl: merged.ttl as number | string | undefined,
    path: pick("path"),
    relativePath: pick("relative_path"),
    bucket: pick("bucket"),
    prefix: pick("prefix"),
  };
  return named({ ...spec, source, sourceRef });
}

function checkObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CacheConfigError(`${what} must be true, false or a mapping with ${KEYS.join(", ")}; got ${JSON.stringify(value)}`);
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!(KEYS as ReadonlyArray<string>).includes(k)) throw new CacheConfigError(`unknown cache key '${k}' (expected ${KEYS.join(", ")})`, k);
  }
  return obj;
}

type SpecFields = {
  source?: Backend;
  sourceRef?: BackendRef;
  strategy: CacheStrategy;
  storage: CacheStorage;
  ttl?: number | string;
  path?: string;
  relativePath?: string;
  bucket?: string;
  prefix?: string;
};

/** The named class for the combination when there is one, so `toYaml()` and logs read like Xorq's. */
function named(s: SpecFields): CacheSpec {
  const options = { ...s, ttl: s.ttl ?? null };
  const Cls =
    s.storage === "source" ? (s.strategy === "snapshot" ? SourceSnapshotCache : SourceCache)
    : s.storage === "parquet" ? (s.strategy === "snapshot" ? (s.ttl !== undefined ? ParquetTTLSnapshotCache : ParquetSnapshotCache) : ParquetCache)
    : s.strategy === "modification_time" && s.ttl === undefined ? GCSCache
    : CacheSpec;
  return new Cls(options);
}
