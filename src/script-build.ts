/**
 * Builds outside a project, as in Xorq (`xorq build pipeline.py -e expr`): an
 * expression, from a program (`xo.build(expr)`) or exported by a script
 * (`xorq build pipeline.ts -e expr`), written as `builds/<hash>/`. The artifact is the
 * one a project build writes for the same expression (same hash, same files), except
 * that its local reads are relocated by default: outside a project nothing else says
 * where a relative path starts, so the artifact carries its files and runs anywhere.
 *
 * ```ts
 * const dir = await xo.build(expr, { dir: "builds" });   // ".../builds/28ecab08754e"
 * ```
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Table } from "./expr/table.js";
import { ExpressionError } from "./expr/errors.js";
import type { Services } from "./services.js";

export interface BuildExprOptions {
  /** The builds directory (default `builds`, against the working directory). */
  readonly dir?: string;
  /** Recorded as the artifact's model name (metadata.json), e.g. the script's export name. */
  readonly name?: string;
  /** Recorded in metadata.json, for `catalog search`. */
  readonly tags?: ReadonlyArray<string>;
  readonly description?: string;
  /** Copy the local files the expression reads into the artifact (default true). */
  readonly relocateReads?: boolean;
  /** Where relative read paths resolve (default: the working directory). */
  readonly baseDir?: string;
  /** Writes in-memory tables with its local engine (default: the default services). */
  readonly services?: Services;
}

/** Writes `<dir>/<hash>/` for `expr` unless it exists; returns that directory (absolute). */
export async function build(expr: Table, options: BuildExprOptions = {}): Promise<string> {
  const { writeArtifact } = await import("./artifacts/artifact-writer.js");
  const result = await writeArtifact(resolve(options.dir ?? "builds"), {
    table: expr,
    model: options.name ?? null,
    project: null,
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    ...(options.description === undefined ? {} : { description: options.description }),
    baseDir: resolve(options.baseDir ?? "."),
    relocateReads: options.relocateReads ?? true,
    ...(options.services ? { services: options.services } : {}),
  });
  return result.dir;
}

/**
 * The expression a script exports as `name` (awaited, so `export const expr =
 * xo.deferredReadCsv(...)` without `await` works too). TypeScript is imported with the
 * loader of TS models, which also resolves `import … from "xorq"` to this tool.
 */
export async function importScriptExpr(file: string, name: string): Promise<Table> {
  const { importTsModule } = await import("./project/model-kinds/ts-loader.js");
  const path = resolve(file);
  // importTsModule registers the hooks and gives the default export; the module's other
  // exports come from the same (cached) module.
  const main = await importTsModule(path);
  const mod = name === "default" ? { default: main } : ((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  if (!Object.hasOwn(mod, name)) {
    const names = Object.keys(mod).filter((k) => k !== "default" || mod[k] !== undefined);
    throw new ExpressionError(`${file} exports no '${name}' (its exports: ${names.join(", ") || "none"})`);
  }
  const value = await mod[name];
  if (!(value instanceof Table)) throw new ExpressionError(`${file}: export '${name}' is not an expression (a Table), it is ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object (${(value as object).constructor?.name ?? "Object"})`;
  return `a ${typeof value}`;
}
