/**
 * `watchProject` with a real chokidar watcher on a temp copy of the duckdb template:
 * edits, broken and fixed files, added and deleted models, bursts of saves.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WatchEvent, type WatchHandle, watchProject } from "../src/tasks/watch.js";
import { initProject } from "../src/project/project-init.js";
import { tempDir } from "./helpers/project.js";

/** Events as they arrive; `next` waits (with a timeout) for the next one not yet taken. */
class EventQueue {
  readonly #events: WatchEvent[] = [];
  #taken = 0;
  #wake: (() => void) | null = null;

  push = (e: WatchEvent): void => {
    this.#events.push(e);
    this.#wake?.();
  };

  async next(timeoutMs = 10_000): Promise<WatchEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.#taken >= this.#events.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no watch event within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wake = null;
    }
    return this.#events[this.#taken++]!;
  }

  /** Events not taken yet. */
  get waiting(): number {
    return this.#events.length - this.#taken;
  }
}

function rebuilt(e: WatchEvent): Extract<WatchEvent, { event: "rebuilt" }> {
  if (e.event !== "rebuilt") throw new Error(`expected a rebuild, got ${JSON.stringify(e)}`);
  return e;
}

const MODELS = "xorq_project/models";

describe("watchProject", () => {
  let root: string;
  let handle: WatchHandle;
  const events = new EventQueue();
  /** target/manifest.json is written just after a rebuild is reported: tests read it once the watcher is idle. */
  const manifestModel = (name: string) =>
    (JSON.parse(readFileSync(join(root, "target", "manifest.json"), "utf8")) as { models: Record<string, { hash: string; build: string }> }).models[name];
  const manifestHash = (name: string) => manifestModel(name)?.hash;
  /** The model's artifact, as the manifest points at it, is complete on disk. */
  const artifact = (name: string) => existsSync(join(root, manifestModel(name)!.build, "metadata.json"));

  beforeAll(async () => {
    root = tempDir("xorq-watch-");
    await initProject(root, "duckdb");
    // The TS model needs the built package's import hooks; the YAML and SQL models cover watching.
    rmSync(join(root, MODELS, "marts", "top_customers.ts"));
    handle = await watchProject({ project: root, debounceMs: 100 }, events.push);
  }, 30_000);

  afterAll(async () => {
    await handle?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("builds every model first, then reports that it watches", async () => {
    const first = rebuilt(await events.next());
    expect(first.trigger).toBe("initial");
    expect([...first.built].sort()).toEqual(["clean_orders", "monthly_kpis", "revenue_by_region"]);
    expect((await events.next()).event).toBe("watching");
  });

  it("an edited model gets its artifact, and so do its descendants only", async () => {
    const before = manifestHash("monthly_kpis")!;
    const file = join(root, MODELS, "staging", "clean_orders.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("amount * 0.92", "amount * 0.93"));
    const e = rebuilt(await events.next());
    await handle.idle();
    expect(e.changes).toEqual([{ kind: "change", file: `${MODELS}/staging/clean_orders.yaml` }]);
    expect([...e.built].sort()).toEqual(["clean_orders", "monthly_kpis", "revenue_by_region"]);
    expect(manifestHash("monthly_kpis")).not.toBe(before);
    expect(artifact("clean_orders")).toBe(true);

    const sql = join(root, MODELS, "marts", "revenue_by_region.sql");
    writeFileSync(sql, readFileSync(sql, "utf8").replace("order by revenue desc", "order by revenue desc, c.region"));
    const leaf = rebuilt(await events.next());
    await handle.idle();
    expect(leaf.built).toEqual(["revenue_by_region"]);
    expect(leaf.unchanged).toBe(2);
    expect(artifact("revenue_by_region")).toBe(true);
    expect(leaf.ms).toBeGreaterThan(0);
  });

  it("a broken YAML file is an error with its place; fixing it rebuilds", async () => {
    const file = join(root, MODELS, "marts", "monthly_kpis.yaml");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good.replace("  - group_by: [order_month]", "  - group_by: [order_month\n  bad: : :"));
    const e = await events.next();
    if (e.event !== "project_error") throw new Error(`expected a project error, got ${JSON.stringify(e)}`);
    expect(e.problems.length).toBeGreaterThan(0);
    expect(e.problems[0]!.file).toBe(`${MODELS}/marts/monthly_kpis.yaml`);
    expect(e.problems[0]!.line).toBeGreaterThan(1);

    writeFileSync(file, good.replace('avg_order: "round(avg(amount), 2)"', 'avg_order: "round(avg(amount), 3)"'));
    const fixed = rebuilt(await events.next());
    await handle.idle();
    expect(fixed.built).toEqual(["monthly_kpis"]);
    expect(artifact("monthly_kpis")).toBe(true);
  });

  it("an added model is built; a deleted one leaves the project", async () => {
    const file = join(root, MODELS, "marts", "big_orders.yaml");
    writeFileSync(file, "from: ref('clean_orders')\nsteps:\n  - filter: \"amount > 200\"\n");
    const added = rebuilt(await events.next());
    await handle.idle();
    expect(added.changes).toEqual([{ kind: "add", file: `${MODELS}/marts/big_orders.yaml` }]);
    expect(added.built).toEqual(["big_orders"]);
    expect(added.models).toBe(4);
    expect(artifact("big_orders")).toBe(true);

    rmSync(file);
    const removed = rebuilt(await events.next());
    await handle.idle();
    expect(removed.changes).toEqual([{ kind: "unlink", file: `${MODELS}/marts/big_orders.yaml` }]);
    expect(removed.built).toEqual([]);
    expect(removed.models).toBe(3);
    expect(manifestHash("big_orders")).toBeUndefined();
  });

  it("a burst of saves is one rebuild", async () => {
    const file = join(root, MODELS, "marts", "monthly_kpis.yaml");
    const text = readFileSync(file, "utf8");
    for (let i = 1; i <= 5; i++) {
      writeFileSync(file, text.replace(/round\(avg\(amount\), \d\)/, `round(avg(amount), ${i})`));
      await new Promise((r) => setTimeout(r, 20));
    }
    const e = rebuilt(await events.next());
    await handle.idle();
    expect(e.changes).toEqual([{ kind: "change", file: `${MODELS}/marts/monthly_kpis.yaml` }]);
    expect(e.built).toEqual(["monthly_kpis"]);
    await handle.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(events.waiting).toBe(0);
  });
});

describe("watchProject with run", () => {
  it("runs the models a rebuild wrote, and only those", async () => {
    const root = tempDir("xorq-watch-run-");
    // clean_orders is cached: keep the cache out of the user's ~/.cache/xorq.
    const saved = process.env["XORQ_CACHE_DIR"];
    process.env["XORQ_CACHE_DIR"] = join(root, ".xorq-cache");
    await initProject(root, "duckdb");
    rmSync(join(root, MODELS, "marts", "top_customers.ts"));
    const events = new EventQueue();
    const handle = await watchProject({ project: root, run: true }, events.push);
    try {
      const first = rebuilt(await events.next());
      expect(first.ran.map((r) => r.name).sort()).toEqual(["clean_orders", "monthly_kpis", "revenue_by_region"]);
      expect((await events.next()).event).toBe("watching");
      const file = join(root, MODELS, "marts", "monthly_kpis.yaml");
      writeFileSync(file, readFileSync(file, "utf8").replace("round(avg(amount), 2)", "round(avg(amount), 1)"));
      const e = rebuilt(await events.next());
    await handle.idle();
      expect(e.built).toEqual(["monthly_kpis"]);
      expect(e.ran.map((r) => [r.name, r.status])).toEqual([["monthly_kpis", "computed"]]);
      expect(e.ran[0]!.rows).toBeGreaterThan(0);
    } finally {
      await handle.close();
      if (saved === undefined) delete process.env["XORQ_CACHE_DIR"];
      else process.env["XORQ_CACHE_DIR"] = saved;
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
