/**
 * The docs site in a real browser: Debian's Chromium, headless, driven by playwright-core
 * (`scripts/test.mjs` installs Chromium when it is missing and passes its path as
 * XORQ_CHROMIUM). The example project's site is opened from `file://` with every
 * request watched (none may leave the site's directory): every model and source is
 * drawn, the search box filters the graph, a model's page shows its columns and SQL,
 * a column shows its lineage tree, and screenshots go to the temp project's target/
 * (`UPDATE_SCREENSHOTS=1` also refreshes the README's docs/docs-example.png). A
 * generated 1,000-model project's page must open in under 3 s.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DocsIndex } from "../src/docs/docs-model.js";
import { describeLive } from "./helpers/live.js";
import { tempDir, writeFiles, xorq } from "./helpers/project.js";
import { HOPS, REPO, exampleCopy, readIndex } from "./docs-helpers.js";

const ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

let browser: Browser;

/** A page of the site at `dir`, failing the test on a script error or a request outside `dir`. */
async function openSite(dir: string): Promise<{ page: Page; problems: string[]; ms: number }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const problems: string[] = [];
  const site = pathToFileURL(dir).href;
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(`${site}/`)) problems.push(`request outside the site: ${r.url()}`);
  });
  const start = performance.now();
  await page.goto(`${site}/index.html`);
  await page.waitForSelector("body[data-ready]");
  return { page, problems, ms: performance.now() - start };
}

const drawn = (page: Page) => page.$$eval("#dag g.node", (nodes) => nodes.map((n) => n.getAttribute("data-id")!).sort());

describeLive("the docs site in headless Chromium", ["XORQ_CHROMIUM"], () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env["XORQ_CHROMIUM"], args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the example project's DAG, a model's columns and SQL, and a column's lineage", async () => {
    const project = exampleCopy();
    const run = await xorq(project, ["run"]);
    expect(run.code, run.stderr).toBe(0);
    const generated = await xorq(project, ["docs", "generate"]);
    expect(generated.code, generated.stderr).toBe(0);
    const dir = join(project, "target", "docs");
    const index: DocsIndex = readIndex(dir);
    const { page, problems } = await openSite(dir);

    // Every model and source is drawn, each badge from what the project says.
    expect(await drawn(page)).toEqual(index.nodes.map((n) => n.id).sort());
    expect(await page.textContent("#status")).toBe("10 of 10 models");
    expect(await page.$$eval('#dag g.node[data-id="model.customer_value"] .badge text', (t) => t.map((x) => x.textContent))).toEqual(["TS", "cache", "computed"]);

    // The search box takes the selector grammar: a model's ancestors, with the sources they read.
    await page.fill("#search", "+orders_enriched");
    await page.press("#search", "Enter");
    expect(await drawn(page)).toEqual(["model.order_totals", "model.orders_enriched", "model.stg_order_items", "model.stg_orders", "source.customers", "source.order_items", "source.orders"]);
    await page.fill("#search", "tag:mrts");
    await page.press("#search", "Enter");
    expect(await page.textContent("#status")).toBe("0 of 10 models");
    await page.fill("#search", "nope");
    await page.press("#search", "Enter");
    expect(await page.textContent("#status")).toBe("no model named 'nope'");

    // Zoom and pan move the drawing.
    const before = await page.getAttribute("#viewport", "transform");
    await page.mouse.move(400, 400);
    await page.mouse.wheel(0, -300);
    await page.mouse.down();
    await page.mouse.move(480, 430);
    await page.mouse.up();
    expect(await page.getAttribute("#viewport", "transform")).not.toBe(before);
    // A new search draws the graph again, fitted to the view.
    await page.fill("#search", "");
    await page.press("#search", "Enter");
    expect(await drawn(page)).toHaveLength(14);

    // Choosing a model opens its page and lights up its ancestors and descendants.
    await page.click('#dag g.node[data-id="model.orders_enriched"]');
    await page.waitForSelector('article.page[data-id="model.orders_enriched"]');
    const lit = await page.$$eval("#dag g.node.lit", (nodes) => nodes.map((n) => n.getAttribute("data-id")).sort());
    expect(lit).toContain("model.stg_orders");
    expect(lit).toContain("model.big_spenders");
    expect(await page.$$eval("#dag g.node.dim", (nodes) => nodes.map((n) => n.getAttribute("data-id")))).toContain("model.product_performance");

    await page.click('#dag g.node[data-id="model.revenue_by_month"]');
    await page.waitForSelector('article.page[data-id="model.revenue_by_month"]');
    const columns = await page.$$eval("table.columns tr[data-column]", (rows) => rows.map((r) => [...r.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent)));
    expect(columns).toEqual([["order_month", "date"], ["region", "string"], ["orders", "int64"], ["revenue", "decimal(38,4)"], ["avg_order_value", "float64"]]);
    const sql = await page.textContent("pre.sql");
    expect(sql).toContain("sum(revenue) as revenue");
    expect(sql).toContain('"orders_enriched"');
    const lastRun = (JSON.parse(readFileSync(join(project, "target", "run_results.json"), "utf8")) as { results: Array<{ name: string; rows: number }> }).results.find((r) => r.name === "revenue_by_month")!;
    expect(await page.textContent("table.facts")).toContain(`last runcomputed ${lastRun.rows} rows in `);
    expect(await page.textContent("table.facts")).not.toContain("earlier version");

    // A column's lineage: the whole tree, joined across the input models' pages, down to the files read.
    await page.click('table.columns tr[data-column="revenue"]');
    await page.waitForSelector("#lineage svg.lineage g.lnode");
    const labels = await page.$$eval("#lineage g.lnode", (nodes) => nodes.map((n) => n.getAttribute("data-label")));
    expect(labels.slice(0, 3)).toEqual(["Field:revenue", "SQL:revenue_by_month", "Sum"]);
    expect(labels).toContain("Cache:parquet");
    expect(labels).toContain("Read:data/order_items.parquet");
    expect(labels.some((l) => l!.startsWith("Model:"))).toBe(false);
    expect(page.url()).toMatch(/#model\.revenue_by_month%7Crevenue$/);

    expect(problems).toEqual([]);
    mkdirSync(join(project, "target"), { recursive: true });
    const shot = join(project, "target", "docs-example.png");
    await page.screenshot({ path: shot });
    await page.click('table.columns tr[data-column="orders"]');
    await page.waitForSelector("#lineage h3");
    await page.screenshot({ path: join(project, "target", "docs-example-page.png"), fullPage: true });
    if (process.env["UPDATE_SCREENSHOTS"] === "1") {
      mkdirSync(join(REPO, "docs"), { recursive: true });
      copyFileSync(shot, join(REPO, "docs", "docs-example.png"));
    }
    await page.close();
  });

  it("colours nodes by engine and marks the hop between engines", async () => {
    const project = tempDir();
    writeFiles(project, HOPS);
    expect((await xorq(project, ["docs", "generate"])).code).toBe(0);
    const { page, problems } = await openSite(join(project, "target", "docs"));
    const fill = (id: string) => page.getAttribute(`#dag g.node[data-id="${id}"] > rect`, "fill");
    expect(await fill("model.big_orders")).toBe(await fill("source.orders"));
    expect(await fill("model.total")).not.toBe(await fill("model.big_orders"));
    expect(await page.$$eval("#dag path.edge.hop", (p) => p.length)).toBe(1);
    expect(await page.textContent("#dag .hop-label")).toBe("⇄ local → warehouse");
    expect(await page.$$eval('#dag g.node[data-id="model.total"] .badge text', (t) => t.map((x) => x.textContent))).toEqual(["YAML", "hop×1"]);
    expect(await page.$$eval("#legend .engine", (e) => e.map((x) => x.textContent))).toEqual(["local", "warehouse"]);
    expect(problems).toEqual([]);
    await page.close();
  });

  const peers = process.env["XORQ_PEERS_DIR"] ?? resolve(REPO, "../shared/bench/peers");
  const generator = existsSync(join(peers, "gen-dataform.mjs"));
  if (!generator) console.warn(`skipping the 1,000-model docs check: bench/gen-project.mjs needs ${peers} (set XORQ_PEERS_DIR)`);
  it.skipIf(!generator)("opens a 1,000-model project's page in under 3 s, drawing the selection's neighbourhood", async () => {
    const project = join(tempDir("xorq-docs-1k-"), "p");
    execFileSync(process.execPath, [join(REPO, "bench", "gen-project.mjs"), "1000", project], { env: { ...process.env, XORQ_PEERS_DIR: peers }, stdio: "ignore" });
    // Lineage is what the page opens without (a model's tree loads with its page): not needed to time the opening.
    const generated = await xorq(project, ["docs", "generate", "--no-lineage"]);
    expect(generated.code, generated.stderr).toBe(0);
    const dir = join(project, "target", "docs");
    expect(readIndex(dir).nodes).toHaveLength(1010);
    const { page, problems, ms } = await openSite(dir);
    expect(ms).toBeLessThan(3000);
    expect(await drawn(page)).toHaveLength(250);
    expect(await page.textContent("#status")).toMatch(/^1010 nodes selected: drawing the 250 around /);
    await page.fill("#search", "+m_00500");
    await page.press("#search", "Enter");
    const ancestors = await drawn(page);
    expect(ancestors).toContain("model.m_00500");
    expect(ancestors.length).toBeLessThanOrEqual(250);
    await page.click('#dag g.node[data-id="model.m_00500"]');
    await page.waitForSelector('article.page[data-id="model.m_00500"] pre.sql');
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(project, "target", "docs-1000.png") });
    await page.close();
  });
});
