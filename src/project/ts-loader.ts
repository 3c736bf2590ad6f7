/**
 * Imports a project's TypeScript model files with the hooks of `ts-hooks.ts`
 * (registered once per process).
 */
import { register } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TsHookData } from "./ts-hooks.js";

let registered = false;

/** The cache directory shared with caching (`XORQ_CACHE_DIR`, default ~/.cache/xorq). */
export function xorqCacheDir(): string {
  return process.env["XORQ_CACHE_DIR"] || join(homedir(), ".cache", "xorq");
}

function registerHooks(): void {
  if (registered) return;
  const data: TsHookData = {
    xorqUrl: new URL("../index.js", import.meta.url).href,
    cacheDir: join(xorqCacheDir(), "ts"),
  };
  register(new URL("./ts-hooks.js", import.meta.url), { data });
  process.setSourceMapsEnabled(true);
  registered = true;
}

/** The module's default export (a model definition, if the file is a model). */
export async function importTsModule(file: string): Promise<unknown> {
  registerHooks();
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return mod.default;
}
