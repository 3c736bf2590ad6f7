/**
 * Module hooks (run by Node in a loader thread, see `ts-loader.ts`) that let a project's
 * `.ts` model files be imported by the tool itself:
 * * `import … from "xorq"` resolves to the running tool's own entry point, so a project
 *   folder needs no node_modules and the model shares the tool's classes;
 * * `.ts` files are transpiled with TypeScript's `transpileModule` (Node 20 has no
 *   built-in type stripping); the output is cached on disk by content hash, so the
 *   TypeScript compiler is only loaded when a file changed.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import type { LoadHook, ResolveHook } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface TsHookData {
  /** URL of the tool's public entry point (dist/index.js). */
  readonly xorqUrl: string;
  /** Where transpiled files are cached, or null for no disk cache. */
  readonly cacheDir: string | null;
}

let data: TsHookData = { xorqUrl: "", cacheDir: null };

export function initialize(d: TsHookData): void {
  data = d;
}

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === "xorq") return { url: data.xorqUrl, shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    // TypeScript style: `import "../helpers.js"` from a .ts file means ./helpers.ts.
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.split("?")[0]!.endsWith(".ts")) {
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw e;
  }
};

export const load: LoadHook = async (url, context, nextLoad) => {
  // A `?v=<hash>` query is a new version of an edited file (see ts-loader.ts).
  const path = url.split("?")[0]!;
  if (!path.startsWith("file:") || !path.endsWith(".ts") || path.includes("/node_modules/")) return nextLoad(url, context);
  const source = await readFile(fileURLToPath(url), "utf8");
  return { format: "module", source: await transpile(source, url), shortCircuit: true };
};

/** Bump when the transpile options change, so stale cache entries are not used. */
const CACHE_VERSION = "2";

async function transpile(source: string, url: string): Promise<string> {
  const key = createHash("sha256").update(`${CACHE_VERSION}\0${source}`).digest("hex");
  const cached = data.cacheDir ? join(data.cacheDir, `${key}.js`) : null;
  if (cached) {
    try {
      return await readFile(cached, "utf8");
    } catch {
      // not cached yet
    }
  }
  const ts = (await import("typescript")).default;
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    reportDiagnostics: false,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      // TypeScript's printer reflows code; the map keeps stack traces (and so error
      // positions) on the lines the user wrote (see setSourceMapsEnabled in ts-loader.ts).
      inlineSourceMap: true,
      useDefineForClassFields: true,
    },
  }).outputText;
  if (cached && data.cacheDir) {
    const tmp = `${cached}.${process.pid}.tmp`;
    try {
      await mkdir(data.cacheDir, { recursive: true });
      await writeFile(tmp, out);
      await rename(tmp, cached);
    } catch {
      // a read-only cache directory only costs speed
    }
  }
  return out;
}
