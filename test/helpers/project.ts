/**
 * Temp projects for the project-tool tests, and the CLI run as a user runs it
 * (`node dist/cli/main.js`; build first with `npx tsc -p tsconfig.json`).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli/main.js");

export function tempDir(prefix = "xorq-project-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files (paths relative to `root`). */
export function writeFiles(root: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in `cwd` (not on a TTY, with its own cache directory). */
export function xorq(cwd: string, args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, XORQ_CACHE_DIR: join(cwd, ".xorq-cache"), CI: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const ORDERS = [
  "order_id,customer_id,region,status,amount",
  ...Array.from({ length: 40 }, (_, i) => `${i + 1},${(i % 7) + 1},${["north", "south", "east", "west"][i % 4]},${["open", "shipped", "cancelled"][i % 3]},${(i * 37) % 400}`),
].join("\n");

const CUSTOMERS = ["customer_id,name,segment", ...Array.from({ length: 7 }, (_, i) => `${i + 1},c${i + 1},${i % 2 ? "business" : "consumer"}`)].join("\n");

/**
 * A small project with every model kind: stg_orders (YAML) -> by_region (SQL) ->
 * top_regions (TS), and customers_clean (YAML), independent of them.
 */
export const SHOP: Readonly<Record<string, string>> = {
  "xorq_project/project.yaml": "name: shop\ndefault_profile: local\nvars:\n  min_amount: 100\n",
  "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n',
  "xorq_project/sources/shop.yaml":
    "sources:\n  - name: orders\n    read_csv: data/orders.csv\n  - name: customers\n    read_csv: data/customers.csv\n",
  "xorq_project/data/orders.csv": `${ORDERS}\n`,
  "xorq_project/data/customers.csv": `${CUSTOMERS}\n`,
  "xorq_project/models/staging/stg_orders.yaml": [
    "from: source('orders')",
    "tags: [staging, daily]",
    "steps:",
    "  - filter: \"amount > var('min_amount') and status in ('open', 'shipped')\"",
    "  - mutate: { amount_eur: \"amount * 0.5\" }",
    "",
  ].join("\n"),
  "xorq_project/models/marts/by_region.sql": [
    "---",
    "tags: [marts]",
    "---",
    "select o.region, c.segment, count(*) as n, sum(o.amount_eur) as total",
    "from {{ ref('stg_orders') }} as o",
    "join {{ source('customers') }} as c on o.customer_id = c.customer_id",
    "group by o.region, c.segment",
    "",
  ].join("\n"),
  "xorq_project/models/marts/top_regions.ts": [
    'import { model, _ } from "xorq";',
    "",
    'export default model({ name: "top_regions", tags: ["marts"] }, ({ ref }) =>',
    '  ref("by_region").groupBy("region").agg({ total: _.total.sum() }).orderBy("-total", "region").limit(3));',
    "",
  ].join("\n"),
  "xorq_project/models/other/customers_clean.yaml": "from: source('customers')\ntags: [other]\nsteps:\n  - select: [customer_id, name]\n",
};
