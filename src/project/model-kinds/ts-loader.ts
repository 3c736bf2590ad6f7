/**
 * Imports a project's TypeScript model files with the hooks of `ts-hooks.ts`
 * (registered once per process).
 */
import { register } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TsHookData } from "./ts-hooks.js";
import { withTsTimeLimit } from "./ts-time-limit.js";

let registered = false;

/** The cache directory shared with caching (`XORQ_CACHE_DIR`, default ~/.cache/xorq). */
export function xorqCacheDir(): string {
  return process.env["XORQ_CACHE_DIR"] || join(homedir(), ".cache", "xorq");
}

function registerHooks(): void {
  if (registered) return;
  const data: TsHookData = {
    xorqUrl: new URL("../../index.js", import.meta.url).href,
    cacheDir: join(xorqCacheDir(), "ts"),
  };
  register(new URL("./ts-hooks.js", import.meta.url), { data });
  process.setSourceMapsEnabled(true);
  registered = true;
}

/** The content hash each file was first imported with. */
const firstVersion = new Map<string, string>();

/**
 * The module's default export (a model definition, if the file is a model). `version`
 * (the file's content hash) lets a long-lived process (`xorq build --watch`) see an
 * edited file: ESM caches a module per URL, so a new content is imported as
 * `file.ts?v=<hash>` (each version stays in memory for the life of the process).
 * With `timeLimit`, importing it must finish within the TS time limit (a model file; see
 * `ts-time-limit.ts`).
 */
export async function importTsModule(file: string, version?: string, options: { readonly timeLimit?: boolean } = {}): Promise<unknown> {
  registerHooks();
  const url = pathToFileURL(file);
  if (version !== undefined) {
    const first = firstVersion.get(file);
    if (first === undefined) firstVersion.set(file, version);
    else if (first !== version) url.search = `v=${version.slice(0, 16)}`;
  }
  const load = () => import(url.href) as Promise<{ default?: unknown }>;
  const mod = options.timeLimit ? await withTsTimeLimit("the import", load) : await load();
  return mod.default;
}
