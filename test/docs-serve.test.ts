/**
 * `xorq docs serve` as a user runs it (a spawned CLI): it serves the site on 127.0.0.1,
 * only files of the site, and generates it again when a project file changes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { CLI } from "./helpers/project.js";
import { exampleCopy } from "./docs-helpers.js";

let child: ChildProcess | null = null;

afterAll(() => {
  child?.kill();
});

/** Resolves with the first stdout line matching `re`, as the server prints it. */
function lineMatching(c: ChildProcess, re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; got:\n${seen}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += String(d);
      const m = re.exec(seen);
      if (m) {
        clearTimeout(timer);
        c.stdout!.off("data", onData);
        resolve(m);
      }
    };
    c.stdout!.on("data", onData);
  });
}

/** GET a raw path (not normalized the way a URL would be). */
function get(url: string, path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

it("serves the site on 127.0.0.1, nothing outside it, and regenerates it when a model changes", async () => {
  const project = exampleCopy();
  child = spawn(process.execPath, [CLI, "docs", "serve", "--port", "0"], { cwd: project, env: { ...process.env, XORQ_CACHE_DIR: join(project, ".xorq-cache"), CI: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  const [, dir, url] = await lineMatching(child, /serving (\S+) at (http:\/\/127\.0\.0\.1:\d+\/) /);
  expect(dir).toBe(join(project, "target", "docs"));

  const index = await get(url!, "/");
  expect(index.status).toBe(200);
  expect(index.type).toBe("text/html; charset=utf-8");
  expect(index.body).toContain('<script src="docs-app.js"></script>');
  const data = await get(url!, "/docs-data.js");
  expect(data.type).toBe("text/javascript; charset=utf-8");
  expect(data.body).toContain('"name":"revenue_by_month"');
  expect((await get(url!, "/%2e%2e/%2e%2e/xorq_project/project.yaml")).status).toBe(404);
  expect((await get(url!, "/nothing.js")).status).toBe(404);

  const changed = lineMatching(child, /docs: 10 models in \d+ ms \(after a change\)\n/);
  writeFileSync(
    join(project, "xorq_project", "models", "marts", "order_totals.yaml"),
    "name: order_totals\ndescription: Items and revenue per order, **now in bold**.\nfrom: ref('stg_order_items')\ntags: [marts]\nsteps:\n  - group_by: [order_id]\n  - agg:\n      items: \"sum(quantity)\"\n      revenue: \"sum(line_revenue)\"\n",
  );
  await changed;
  const pages = await Promise.all(Array.from({ length: 14 }, (_, i) => get(url!, `/pages/${i}.js`)));
  expect(pages.filter((p) => p.body.includes("<strong>now in bold</strong>"))).toHaveLength(1);
});
