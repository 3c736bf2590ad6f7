/**
 * Where parquet cache entries live on this machine.
 *
 * As in Xorq, the cache root is `~/.cache/xorq` (`XORQ_CACHE_DIR` overrides it) and
 * parquet storage uses its `parquet/` folder unless a policy names another
 * `relative_path`, or a `path` of its own. A policy's `path` is relative to the base
 * directory of the execution: the working directory, or the project root for a project
 * run (the policy keeps the relative path, so hashes stay portable).
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { CachePolicy } from "../expr/relation-nodes.js";

/** The cache root: `XORQ_CACHE_DIR`, else `~/.cache/xorq`. */
export function cacheRoot(): string {
  const env = process.env.XORQ_CACHE_DIR;
  return env ? resolve(env) : join(homedir(), ".cache", "xorq");
}

/** The directory under the cache root that parquet entries go to by default (Xorq's `default_relative_path`). */
export const DEFAULT_RELATIVE_PATH = "parquet";

/** The directory holding a parquet policy's entries; a relative `path` resolves against `baseDir` (default: the working directory). */
export function parquetDir(policy: CachePolicy, baseDir?: string): string {
  const { path, relative_path } = policy.options;
  if (path !== undefined) return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
  return join(cacheRoot(), relative_path ?? DEFAULT_RELATIVE_PATH);
}

/** The default parquet directory (what `xorq cache ls` shows without `--dir`). */
export function defaultParquetDir(): string {
  return join(cacheRoot(), DEFAULT_RELATIVE_PATH);
}
