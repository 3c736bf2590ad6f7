/**
 * What the docs tests share: a private copy of the example project, and the site's
 * data files read back as JSON (they are scripts: `window.XORQ_DOCS = {...};`).
 */
import { cpSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DocsIndex, DocsPage } from "../src/docs/docs-model.js";
import { tempDir } from "./helpers/project.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A copy of example-project/ (the repo's copy is never written to), without what a previous run left. */
export function exampleCopy(prefix = "xorq-docs-"): string {
  const dir = join(tempDir(prefix), "example-project");
  cpSync(join(REPO, "example-project"), dir, { recursive: true });
  for (const leftover of ["target", "builds", ".xorq-cache"]) rmSync(join(dir, leftover), { recursive: true, force: true });
  return dir;
}

/** The JSON a data script passes: `window.XORQ_DOCS = X;` or `XORQ_DOCS_PAGE(X);`. */
function scriptJson(file: string): unknown {
  const text = readFileSync(file, "utf8");
  const m = /^(?:window\.XORQ_DOCS = (.*);|XORQ_DOCS_PAGE\((.*)\);)\n$/s.exec(text);
  if (!m) throw new Error(`${file} is not a docs data script`);
  return JSON.parse(m[1] ?? m[2]!);
}

export function readIndex(site: string): DocsIndex {
  return scriptJson(join(site, "docs-data.js")) as DocsIndex;
}

export function readPage(site: string, index: DocsIndex, id: string): DocsPage {
  const node = index.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id} in the index`);
  return scriptJson(join(site, node.page)) as DocsPage;
}

/** Two engines (both embedded DuckDB, so no server is needed): `total` runs in `warehouse` over `big_orders` from `local`. */
export const HOPS: Readonly<Record<string, string>> = {
  "xorq_project/project.yaml": "name: hops\ndefault_profile: local\n",
  "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  warehouse: { kind: duckdb, path: ":memory:" }\n',
  "xorq_project/data/orders.csv": "id,amount\n1,10\n2,20\n3,3\n",
  "xorq_project/sources/shop.yaml": "sources:\n  - name: orders\n    read_csv: data/orders.csv\n",
  "xorq_project/models/big_orders.yaml": "name: big_orders\nfrom: source('orders')\nsteps:\n  - filter: \"amount > 5\"\n",
  "xorq_project/models/total.yaml": "name: total\nprofile: warehouse\nfrom: ref('big_orders')\nsteps:\n  - agg:\n      total: \"sum(amount)\"\n",
};
