/**
 * A minimal build artifact for tests of the catalog and lineage: expr.yaml and
 * metadata.json, as SPEC "Build artifacts" describes them (the build command writes
 * the full set; these two are what the catalog and lineage read).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Table } from "../../src/expr/table.js";

export function writeArtifact(buildsDir: string, expr: Table, model: string | null = null): string {
  const dir = join(buildsDir, expr.shortHash());
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "expr.yaml"), expr.toYaml());
  const metadata = { tool_version: "0.1.0", hash: expr.hash(), model, schema: expr.schema() };
  writeFileSync(join(dir, "metadata.json"), `${JSON.stringify(metadata, null, 2)}\n`);
  return dir;
}
