import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as xo from "../src/index.js";
import { Catalog } from "../src/catalog/catalog.js";
import { CatalogError } from "../src/catalog/catalog-error.js";
import { catalogLookup, loadResult, storeResult } from "../src/catalog/catalog-results.js";
import { catalogDir, loadTargetExpr, resolveTarget } from "../src/catalog/target-resolver.js";
import { nodeHash } from "../src/expr/canonical.js";
import { writeArtifact } from "./helpers/artifact.js";
import { runCli } from "./helpers/cli.js";
import { rowsOf } from "./helpers/data.js";

const { _ } = xo;

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
}

/** The subjects of a repository's commits, newest first. */
function subjects(dir: string): string[] {
  return git(dir, "log", "--format=%s").trim().split("\n");
}

let root: string;
let builds: string;
/** Three distinct expressions, each written as a build artifact. */
let b1: string, b2: string, b3: string;
let h1: string, h2: string, h3: string;
let expr1: xo.Table;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "xorq-catalog-"));
  builds = join(root, "builds");
  const sales = xo.memtable({ region: ["north", "south", "north"], amount: [10, 20, 30] });
  expr1 = sales.groupBy("region").agg({ total: _.amount.sum() });
  b1 = writeArtifact(builds, expr1, "sales_summary");
  b2 = writeArtifact(builds, sales.filter(_.amount.gt(15)), "big_sales");
  b3 = writeArtifact(builds, sales.mutate({ eur: _.amount.mul(0.92) }), "sales_eur");
  [h1, h2, h3] = [b1, b2, b3].map((d) => d.slice(-12)) as [string, string, string];
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const fresh = (name: string) => join(root, `${name}-${++n}`);

describe("catalog commands", () => {
  it("init creates a git repository with a documented layout, once", async () => {
    const dir = fresh("cat");
    const { catalog, created } = await Catalog.init(dir);
    expect(created).toBe(true);
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("entries/<hash>/");
    expect(JSON.parse(readFileSync(join(dir, "catalog.json"), "utf8"))).toEqual({ format: "xorq-catalog", version: 1 });
    expect(subjects(dir)).toEqual(["init catalog"]);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD").trim()).toBe("main");
    const again = await Catalog.init(dir);
    expect(again.created).toBe(false);
    expect(subjects(dir)).toEqual(["init catalog"]);
    expect(catalog.aliases()).toEqual([]);
    expect(await catalog.entries()).toEqual([]);
  });

  it("refuses to init over a directory that is not a catalog, and to open a missing one", async () => {
    const dir = fresh("occupied");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    await expect(Catalog.init(dir)).rejects.toThrow(/exists and is not a catalog/);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    await expect(Catalog.open(fresh("nothing"))).rejects.toThrow(/no catalog at .*xorq catalog init/);
  });

  it("adds a build with an alias in one commit; adding it again is a no-op", async () => {
    const { catalog } = await Catalog.init(fresh("cat"));
    const added = await catalog.add(b1, { alias: "prod" });
    expect(added).toMatchObject({ hash: h1, model: "sales_summary", added: true, alias: { name: "prod", hash: h1, previous: null } });
    expect(subjects(catalog.dir)[0]).toBe(`add ${h1} (model sales_summary), alias prod`);
    expect(readFileSync(join(catalog.dir, "entries", h1, "expr.yaml"), "utf8")).toBe(readFileSync(join(b1, "expr.yaml"), "utf8"));
    expect(readFileSync(join(catalog.dir, "aliases", "prod"), "utf8")).toBe(`${h1}\n`);
    // The commit touches exactly the entry and the alias.
    expect(git(catalog.dir, "show", "--name-only", "--format=", "HEAD").trim().split("\n").sort()).toEqual(
      [`aliases/prod`, `entries/${h1}/expr.yaml`, `entries/${h1}/metadata.json`],
    );

    const before = subjects(catalog.dir).length;
    const again = await catalog.add(b1);
    expect(again).toMatchObject({ added: false, alias: null, commit: null });
    expect(await catalog.add(b1, { alias: "prod" })).toMatchObject({ added: false, alias: { changed: false } });
    expect(subjects(catalog.dir).length).toBe(before);
  });

  it("lists entries and aliases, shows one, finds by full hash or prefix", async () => {
    const { catalog } = await Catalog.init(fresh("cat"));
    await catalog.add(b1, { alias: "prod" });
    await catalog.add(b2);
    await catalog.setAlias("staging", h2.slice(0, 6));
    const entries = await catalog.entries();
    expect(entries.map((e) => [e.hash, e.model, e.aliases])).toEqual(
      [[h1, "sales_summary", ["prod"]], [h2, "big_sales", ["staging"]]].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    const e1 = entries.find((e) => e.hash === h1)!;
    expect(e1.addedBy?.message).toBe(`add ${h1} (model sales_summary), alias prod`);
    const addCommit = git(catalog.dir, "log", "--format=%H", "--diff-filter=A", "--", `entries/${h1}`).trim();
    expect(e1.addedBy?.commit).toHaveLength(12);
    expect(addCommit.startsWith(e1.addedBy!.commit)).toBe(true);
    expect(catalog.aliases()).toEqual([{ name: "prod", hash: h1 }, { name: "staging", hash: h2 }]);

    const shown = await catalog.show("prod");
    expect(shown.hash).toBe(h1);
    expect(shown.metadata.model).toBe("sales_summary");
    expect(shown.files).toEqual(["expr.yaml", "metadata.json"]);

    expect((await catalog.find(expr1.hash()))?.hash).toBe(h1);
    expect((await catalog.find(h1.slice(0, 5)))?.hash).toBe(h1);
    expect(await catalog.find(h3)).toBeNull();
    // A full hash that shares the first 12 digits but differs after them is not a hit.
    expect(await catalog.find(expr1.hash().slice(0, 12) + "0".repeat(52))).toBeNull();
  });

  it("moves an alias, keeping the old target in its log", async () => {
    const { catalog } = await Catalog.init(fresh("cat"));
    await catalog.add(b1, { alias: "prod" });
    await catalog.add(b2);
    const moved = await catalog.setAlias("prod", h2);
    expect(moved).toMatchObject({ name: "prod", hash: h2, previous: h1, changed: true });
    expect(subjects(catalog.dir)[0]).toBe(`alias prod -> ${h2} (model big_sales) (was ${h1})`);
    const log = await catalog.aliasLog("prod");
    expect(log.map((r) => r.hash)).toEqual([h2, h1]);
    expect(log[0]!.author).not.toBe("");
    // An alias can also be given by another alias.
    expect((await catalog.setAlias("latest", "prod")).hash).toBe(h2);
  });

  it("removes an alias, or an entry with every alias pointing to it", async () => {
    const { catalog } = await Catalog.init(fresh("cat"));
    await catalog.add(b1, { alias: "prod" });
    await catalog.setAlias("also", h1);
    await catalog.add(b2, { alias: "other" });

    const r1 = await catalog.remove("other");
    expect(r1).toMatchObject({ removed: "alias", hash: h2, aliases: ["other"] });
    expect(existsSync(join(catalog.dir, "entries", h2))).toBe(true);
    expect(subjects(catalog.dir)[0]).toBe(`remove alias other (was ${h2})`);

    const r2 = await catalog.remove(h1);
    expect(r2).toMatchObject({ removed: "entry", hash: h1, aliases: ["also", "prod"] });
    expect(existsSync(join(catalog.dir, "entries", h1))).toBe(false);
    expect(catalog.aliases()).toEqual([]);
    expect(subjects(catalog.dir)[0]).toBe(`remove ${h1} (model sales_summary) and its aliases also, prod`);
    expect((await catalog.aliasLog("prod")).map((r) => r.hash)).toEqual([null, h1]);
  });

  it("fails clearly: unknown alias, dirty catalog, no remote, bad names, not an artifact", async () => {
    const { catalog } = await Catalog.init(fresh("cat"));
    await catalog.add(b1, { alias: "prod" });

    const unknown = await catalog.setAlias("x", "nope").catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(CatalogError);
    expect((unknown as CatalogError).exitCode).toBe(2);
    expect((unknown as Error).message).toMatch(/unknown alias or hash 'nope'.*aliases: prod/);
    await expect(catalog.remove("nope")).rejects.toThrow(/unknown alias or hash 'nope'/);
    await expect(catalog.show("nope")).rejects.toThrow(/unknown alias or hash/);
    await expect(catalog.aliasLog("nope")).rejects.toThrow(/unknown alias 'nope'/);

    await expect(catalog.push()).rejects.toThrow(/has no remote: set one with 'xorq catalog init --remote URL'/);
    await expect(catalog.pull()).rejects.toThrow(/has no remote/);

    await expect(catalog.setAlias("bad name", h1)).rejects.toThrow(/invalid alias 'bad name'/);
    await expect(catalog.setAlias("abcdef0123456789", h1)).rejects.toThrow(/would read as a hash/);
    await expect(catalog.add(root)).rejects.toThrow(/not a build artifact: metadata.json is missing/);

    writeFileSync(join(catalog.dir, "aliases", "prod"), "edited by hand\n");
    const before = subjects(catalog.dir).length;
    await expect(catalog.add(b2)).rejects.toThrow(/uncommitted changes \(aliases\/prod\).*git -C/);
    await expect(catalog.setAlias("prod", h1)).rejects.toThrow(/uncommitted changes/);
    await expect(catalog.push()).rejects.toThrow(/uncommitted changes/);
    expect(subjects(catalog.dir).length).toBe(before);
    expect(existsSync(join(catalog.dir, "entries", h2))).toBe(false);
  });

  it("commits with a fallback author when neither the environment nor git config names one", async () => {
    const saved = { ...process.env };
    try {
      for (const k of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"]) delete process.env[k];
      process.env.GIT_CONFIG_GLOBAL = "/dev/null";
      process.env.GIT_CONFIG_NOSYSTEM = "1";
      const { catalog } = await Catalog.init(fresh("cat"));
      await catalog.add(b1);
      expect(git(catalog.dir, "log", "-1", "--format=%an <%ae> / %cn <%ce>").trim()).toBe(
        "xorq catalog <xorq-catalog@localhost> / xorq catalog <xorq-catalog@localhost>",
      );
    } finally {
      process.env = saved;
    }
  });
});

describe("collaboration through a bare repository", () => {
  let bare: string;
  let a: Catalog;
  let b: Catalog;

  beforeAll(async () => {
    bare = fresh("remote.git");
    execFileSync("git", ["init", "-q", "--bare", bare]);
    a = (await Catalog.init(fresh("alice"), { remote: bare })).catalog;
    await a.add(b1, { alias: "prod" });
    expect((await a.push()).attempts).toBe(1);
    const cloned = await Catalog.init(fresh("bob"), { remote: bare });
    expect(cloned).toMatchObject({ created: true, cloned: true });
    b = cloned.catalog;
  });

  it("a clone sees what was pushed, and the two exchange entries and alias moves", async () => {
    expect(b.aliases()).toEqual([{ name: "prod", hash: h1 }]);
    expect(b.resolve("prod").hash).toBe(h1);

    await b.add(b2, { alias: "big" });
    await b.push();
    expect(await a.pull()).toMatchObject({ status: "fast-forward", aliasConflicts: [] });
    expect(a.aliases()).toEqual([{ name: "big", hash: h2 }, { name: "prod", hash: h1 }]);
    expect(await b.pull()).toMatchObject({ status: "up-to-date" });
  });

  it("retries a push rejected because the remote moved, after a pull", async () => {
    await a.add(b3, { alias: "eur" });
    await a.push();
    await b.setAlias("prod", h2); // b has not pulled a's new entry
    const pushed = await b.push();
    expect(pushed.attempts).toBe(2);
    expect(pushed.pulls).toHaveLength(1);
    expect(pushed.pulls[0]).toMatchObject({ status: "merged", aliasConflicts: [] });
    expect(b.aliases().map((x) => x.name)).toEqual(["big", "eur", "prod"]);
    await a.pull();
    expect(a.resolve("prod").hash).toBe(h2);
    expect(git(bare, "log", "--format=%s", "main").split("\n")[0]).toBe("merge catalog changes from origin");
  });

  it("resolves a conflicting alias move: the local move wins, the other is reported and stays in history", async () => {
    await a.pull();
    await b.pull();
    await a.setAlias("prod", h3);
    await a.push();
    await b.setAlias("prod", h1);
    const pushed = await b.push();
    expect(pushed.attempts).toBe(2);
    expect(pushed.pulls[0]!.aliasConflicts).toEqual([{ alias: "prod", kept: h1, dropped: h3, keptSide: "local" }]);
    expect(b.resolve("prod").hash).toBe(h1);
    const merge = git(b.dir, "log", "-1", "--format=%B", "HEAD");
    expect(merge).toContain(`alias prod: kept local ${h1}, remote had ${h3}`);

    const pulled = await a.pull();
    expect(pulled.status).toBe("fast-forward");
    expect(a.resolve("prod").hash).toBe(h1);
    // a's move to h3 is not lost: the alias's log lists it.
    const history = (await a.aliasLog("prod")).map((r) => r.hash);
    expect(history).toContain(h3);
    expect(history[0]).toBe(h1);
  });

  it("can prefer the remote's move instead", async () => {
    await a.pull();
    await b.pull();
    await a.setAlias("big", h3);
    await a.push();
    await b.setAlias("big", h1);
    const pulled = await b.pull({ prefer: "remote" });
    expect(pulled.aliasConflicts).toEqual([{ alias: "big", kept: h3, dropped: h1, keptSide: "remote" }]);
    expect(b.resolve("big").hash).toBe(h3);
    await b.push();
  });

  it("keeps an entry alive when one side removes it and the other points an alias at it", async () => {
    await a.pull();
    await b.pull();
    await a.setAlias("eur", h2);
    await a.remove(h3); // also removes 'big', which pointed to h3
    await a.push();
    await b.setAlias("keep", h3);
    const pulled = await b.pull();
    expect(pulled.restored).toEqual([h3]);
    expect(b.resolve("keep").hash).toBe(h3);
    expect(existsSync(join(b.dir, "entries", h3, "expr.yaml"))).toBe(true);
    expect(git(b.dir, "log", "-1", "--format=%B")).toContain(`restored entry ${h3}`);
    await b.push();
    await a.pull();
    expect(a.resolve("keep").hash).toBe(h3);
  });

  it("init --remote on an existing catalog sets the remote; a remote that is not a catalog is refused", async () => {
    const { catalog } = await Catalog.init(fresh("solo"));
    await catalog.add(b1);
    const other = fresh("remote2.git");
    execFileSync("git", ["init", "-q", "--bare", other]);
    await Catalog.init(catalog.dir, { remote: other });
    expect((await catalog.push()).attempts).toBe(1);
    expect(git(other, "log", "--format=%s", "main").trim().split("\n")[0]).toBe(`add ${h1} (model sales_summary)`);

    const notCatalog = fresh("plain");
    mkdirSync(notCatalog);
    git(notCatalog, "init", "-q", "-b", "main");
    writeFileSync(join(notCatalog, "x.txt"), "x");
    git(notCatalog, "add", "x.txt");
    git(notCatalog, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x");
    const target = fresh("clone");
    await expect(Catalog.init(target, { remote: notCatalog })).rejects.toThrow(/not an xorq catalog/);
    expect(existsSync(target)).toBe(false);
    await expect(Catalog.init(fresh("clone"), { remote: join(root, "does-not-exist.git") })).rejects.toThrow(/cannot fetch the catalog remote/);
  });
});

describe("targets and stored results", () => {
  const savedEnv = process.env.XORQ_CATALOG;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.XORQ_CATALOG;
    else process.env.XORQ_CATALOG = savedEnv;
  });

  it("resolves a build directory, a hash prefix under builds/, and a catalog alias", async () => {
    const { catalog } = await Catalog.init(join(root, "catalog"));
    await catalog.add(b2, { alias: "big-sales" });
    const byDir = await resolveTarget(b1, { cwd: root });
    expect(byDir).toMatchObject({ source: "build", dir: b1, alias: null });
    expect(nodeHash(loadTargetExpr(byDir).node)).toBe(expr1.hash());
    expect((await resolveTarget(h1.slice(0, 6), { cwd: root })).dir).toBe(b1);
    const byAlias = await resolveTarget("big-sales", { cwd: root, projectRoot: root });
    expect(byAlias).toMatchObject({ source: "catalog", alias: "big-sales", dir: join(catalog.dir, "entries", h2) });
    await expect(resolveTarget("nope", { cwd: root })).rejects.toThrow(/cannot find 'nope'.*unknown alias or hash 'nope'/);

    process.env.XORQ_CATALOG = "elsewhere";
    expect(catalogDir({ cwd: root })).toBe(join(root, "elsewhere"));
    expect(catalogDir({ cwd: root, catalog: "c2" })).toBe(join(root, "c2"));
  });

  it("stores a result as parquet in the entry and serves it by hash", async () => {
    const { catalog } = await Catalog.init(fresh("cat"));
    await catalog.add(b1, { alias: "prod" });
    expect((await catalogLookup(catalog, expr1.hash()))?.resultPath).toBeNull();
    const table = await expr1.orderBy("region").execute();
    const entry = await storeResult(catalog, expr1.hash(), table);
    expect(entry.resultPath).toBe(join(catalog.dir, "entries", h1, "result.parquet"));
    expect(subjects(catalog.dir)[0]).toBe(`store result of ${h1} (model sales_summary): 2 rows`);
    expect((await catalogLookup(catalog, expr1.hash()))?.resultPath).toBe(entry.resultPath);
    const loaded = await loadResult(catalog, "prod");
    expect(rowsOf(loaded)).toEqual([{ region: "north", total: 40 }, { region: "south", total: 20 }]);
    expect(loaded.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
    await expect(storeResult(catalog, h3, table)).rejects.toThrow(/not in the catalog.*add its build first/);
  });
});

describe("xorq catalog (command line)", () => {
  it("runs every subcommand a user needs, across two clones of a bare repository", async () => {
    const bare = fresh("cli-remote.git");
    execFileSync("git", ["init", "-q", "--bare", bare]);
    const alice = fresh("cli-alice");
    const bob = fresh("cli-bob");
    mkdirSync(alice);
    mkdirSync(bob);

    expect((await runCli(["catalog", "init", "--remote", bare], alice)).stdout).toBe(`created a catalog at ${join(alice, "catalog")} (remote ${bare})\n`);
    const added = await runCli(["catalog", "add", b1, "--alias", "sales-summary"], alice);
    expect(added).toEqual({ stdout: `added ${h1} (model sales_summary)\nalias sales-summary -> ${h1}\n`, stderr: "", exitCode: 0 });
    expect((await runCli(["catalog", "add", b1], alice)).stdout).toBe(`${h1} (model sales_summary) is already in the catalog\n`);
    expect((await runCli(["catalog", "add", b2], alice)).exitCode).toBe(0);
    expect((await runCli(["catalog", "alias", "prod", "sales-summary"], alice)).stdout).toBe(`alias prod -> ${h1}\n`);
    const ls = (await runCli(["catalog", "ls"], alice)).stdout.split("\n");
    expect(ls[0]).toMatch(/^HASH\s+MODEL\s+ALIASES\s+RESULT\s+ADDED BY$/);
    expect(ls.find((l) => l.startsWith(h1))).toMatch(new RegExp(`^${h1}\\s+sales_summary\\s+prod,sales-summary\\s+-\\s+[0-9a-f]{12} `));
    expect(JSON.parse((await runCli(["catalog", "list-aliases", "--json"], alice)).stdout)).toEqual([
      { name: "prod", hash: h1 }, { name: "sales-summary", hash: h1 },
    ]);
    expect(JSON.parse((await runCli(["catalog", "show", "prod", "--json"], alice)).stdout)).toMatchObject({ hash: h1, model: "sales_summary", files: ["expr.yaml", "metadata.json"] });
    expect((await runCli(["catalog", "find", h1.slice(0, 7)], alice))).toMatchObject({ exitCode: 0, stdout: expect.stringContaining(`${h1} (model sales_summary)`) });
    expect(await runCli(["catalog", "find", "abcdef12"], alice)).toEqual({ stdout: "", stderr: "abcdef12 is not in the catalog\n", exitCode: 1 });
    expect((await runCli(["catalog", "push"], alice)).stdout).toMatch(/^pushed [0-9a-f]{12}\n$/);

    expect((await runCli(["catalog", "init", "--remote", bare], bob)).stdout).toBe(`cloned the catalog from ${bare} into ${join(bob, "catalog")}\n`);
    expect((await runCli(["catalog", "list-aliases"], bob)).stdout).toBe(
      ["ALIAS          HASH          MODEL", `prod           ${h1}  sales_summary`, `sales-summary  ${h1}  sales_summary`, ""].join("\n"),
    );
    // The alias works for lineage on the other machine.
    expect((await runCli(["lineage", "sales-summary", "--column", "total"], bob)).stdout).toBe(
      ["Lineage for column 'total':", "Field:total #1", "└── Aggregate #2", "    └── Sum #3", "        └── Field:amount #4",
        `            └── MemTable:${(expr1.node as { input: { dataHash: string } }).input.dataHash.slice(0, 12)} #5`, ""].join("\n"),
    );

    // A conflicting move of the same alias: bob pushes last; his move wins and the push says so.
    await runCli(["catalog", "alias", "prod", h2], alice);
    await runCli(["catalog", "push"], alice);
    expect((await runCli(["catalog", "alias", "prod", h3.slice(0, 8)], bob)).stderr).toMatch(/unknown alias or hash/);
    await runCli(["catalog", "add", b3, "--alias", "prod"], bob);
    const pushed = await runCli(["catalog", "push"], bob);
    expect(pushed.stdout.split("\n")).toEqual([
      "the remote had moved; pulled:",
      expect.stringMatching(/^  merged remote changes \([0-9a-f]{12}\)$/),
      `  conflict: alias prod moved on both sides; kept the local ${h3}, the remote ${h2} stays in its history (xorq catalog log prod)`,
      expect.stringMatching(/^pushed [0-9a-f]{12} \(after 1 retry\)$/),
      "",
    ]);
    const pulled = await runCli(["catalog", "pull"], alice);
    expect(pulled.stdout).toMatch(/^updated to [0-9a-f]{12}$/m);
    const log = (await runCli(["catalog", "log", "prod"], alice)).stdout.split("\n");
    expect(log[0]).toMatch(/^DATE\s+HASH\s+COMMIT\s+AUTHOR\s+MESSAGE$/);
    expect(log.filter((l) => l !== "").slice(1).map((l) => l.split(/\s+/)[1])).toEqual(expect.arrayContaining([h3, h2, h1]));

    const dirty = join(alice, "catalog", "aliases", "prod");
    writeFileSync(dirty, "oops\n");
    expect(await runCli(["catalog", "rm", "prod"], alice)).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/uncommitted changes \(aliases\/prod\)/) });
    git(join(alice, "catalog"), "checkout", "--", "aliases/prod");
    expect(await runCli(["catalog", "rm", "nope"], alice)).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^error: unknown alias or hash 'nope'/) });
    expect(await runCli(["catalog", "pull", "--prefer", "sideways"], alice)).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--prefer takes 'local' or 'remote'/) });
    expect((await runCli(["catalog", "rm", "prod"], alice)).stdout).toMatch(/^removed alias prod \(was [0-9a-f]{12}\)\n$/);

    const solo = fresh("cli-solo");
    mkdirSync(solo);
    await runCli(["catalog", "--catalog", "mine", "init"], solo);
    expect(await runCli(["catalog", "--catalog", "mine", "push"], solo)).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/has no remote/) });
    expect(await runCli(["catalog", "ls"], solo)).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/no catalog at .*cli-solo-\d+\/catalog/) });
  });
});

describe("the catalog in xorq build and run (shared memory)", () => {
  it("build --alias registers the build; run --catalog stores a result once, then serves it", async () => {
    const project = fresh("project");
    const write = (path: string, text: string) => {
      mkdirSync(join(project, path, ".."), { recursive: true });
      writeFileSync(join(project, path), text);
    };
    write("xorq_project/project.yaml", "name: shop\ndefault_profile: local\n");
    write("xorq_project/profiles.yaml", 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n');
    write("xorq_project/sources/shop.yaml", "sources:\n  - name: sales\n    read_csv: data/sales.csv\n");
    write("xorq_project/data/sales.csv", "region,amount\nnorth,10\nsouth,20\nnorth,30\n");
    write("xorq_project/models/totals.yaml", "name: totals\nfrom: source('sales')\nsteps:\n  - group_by: [region]\n  - agg: { total: \"sum(amount)\" }\n  - order_by: [region]\n");
    write("xorq_project/models/big.yaml", "name: big\nfrom: source('sales')\nsteps:\n  - filter: \"amount > 15\"\n");

    expect((await runCli(["catalog", "init"], project)).exitCode).toBe(0);
    const tooMany = await runCli(["build", "--alias", "totals"], project);
    expect(tooMany).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/--alias names one build, but 2 models are selected/) });
    const built = await runCli(["build", "--select", "totals", "--alias", "totals"], project);
    expect(built.exitCode).toBe(0);
    const hash = /added to the catalog: ([0-9a-f]{12}) \(totals\), alias totals/.exec(built.stdout)?.[1];
    expect(hash).toBeDefined();
    const catalog = await Catalog.open(join(project, "catalog"));
    expect(catalog.resolve("totals").hash).toBe(hash);

    const events = async () =>
      (await runCli(["run", "--catalog", "catalog", "--json"], project)).stdout
        .split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
        .filter((e) => e.event === "model_finished")
        .map((e) => [e.name, e.status, e.rows, e.message ?? null])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    // First run: totals is an entry without a result, so it computes and stores; big is not in the catalog.
    expect(await events()).toEqual([["big", "computed", 2, null], ["totals", "computed", 2, "result stored in the catalog"]]);
    expect(subjects(catalog.dir)[0]).toBe(`store result of ${hash} (model totals): 2 rows`);
    expect(rowsOf(await loadResult(catalog, "totals"))).toEqual([{ region: "north", total: 40 }, { region: "south", total: 20 }]);
    // Second run: served from the catalog.
    expect(await events()).toEqual([["big", "computed", 2, null], ["totals", "cached", 2, "result from the catalog"]]);
    expect(JSON.parse(readFileSync(join(catalog.dir, "entries", hash!, "result.json"), "utf8"))).toMatchObject({ rows: 2 });

    // Never stale: every amount times 10 keeps the hash, but the stored result is not served.
    write("xorq_project/data/sales.csv", "region,amount\nnorth,100\nsouth,200\nnorth,300\n");
    expect(await events()).toEqual([
      ["big", "computed", 3, null],
      ["totals", "computed", 2, "inputs changed (read data/sales.csv), result stored in the catalog"],
    ]);
    expect(rowsOf(await loadResult(catalog, "totals"))).toEqual([{ region: "north", total: 400 }, { region: "south", total: 200 }]);
    expect(subjects(catalog.dir)[0]).toBe(`store result of ${hash} (model totals): 2 rows`);
    expect(await events()).toEqual([["big", "computed", 3, null], ["totals", "cached", 2, "result from the catalog"]]);

    // Offline: a fresh result is served; a stale one is refused, with what changed.
    const offline = (args: string[] = []) => runCli(["run", "--catalog", "catalog", "--offline", "--select", "totals", ...args], project);
    expect((await offline()).exitCode).toBe(0);
    write("xorq_project/data/sales.csv", "region,amount\nnorth,1\n");
    const refused = await offline(["--json"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain("--offline: the stored result of " + hash + " (model totals) is stale: its inputs changed since it was computed (read data/sales.csv); run without --offline to compute it");
    expect(rowsOf(await loadResult(catalog, "totals"))).toEqual([{ region: "north", total: 400 }, { region: "south", total: 200 }]);
    expect(await runCli(["run", "--offline"], project)).toMatchObject({ exitCode: 2, stderr: expect.stringContaining("--offline goes with --catalog DIR") });
    // Without --catalog, nothing is looked up.
    const plain = await runCli(["run", "--json"], project);
    expect(plain.stdout).not.toContain("catalog");
  });
});

describe("several processes writing one catalog", () => {
  const CLI = new URL("../dist/cli/main.js", import.meta.url).pathname;

  it("serializes concurrent adds from separate processes, and takes over a lock its owner left behind", async () => {
    if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npx tsc -p tsconfig.json` (npm test does)");
    const { catalog } = await Catalog.init(fresh("shared"));
    const sales = xo.memtable({ region: ["north"], amount: [1] });
    const dirs = Array.from({ length: 4 }, (_v, i) => writeArtifact(join(root, "builds-concurrent"), sales.mutate({ k: _.amount.add(i) }), `m${i}`));
    const runs = dirs.map(
      (dir) =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          const child = spawn(process.execPath, [CLI, "catalog", "--catalog", catalog.dir, "add", dir], { env: process.env });
          let err = "";
          child.stderr.on("data", (d: Buffer) => (err += d.toString()));
          child.on("exit", (code) => resolve({ code, err }));
        }),
    );
    for (const r of await Promise.all(runs)) expect(r.code, r.err).toBe(0);
    expect((await catalog.entries()).map((e) => e.model).sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(subjects(catalog.dir).filter((s) => s.startsWith("add "))).toHaveLength(4);
    expect(git(catalog.dir, "status", "--porcelain")).toBe("");

    // What a writer that died mid-way leaves (a half-copied entry, an alias being written) is cleaned up, not reported.
    mkdirSync(join(catalog.dir, "entries", `.${h2}.tmp`));
    writeFileSync(join(catalog.dir, "entries", `.${h2}.tmp`, "expr.yaml"), "partial");
    mkdirSync(join(catalog.dir, "aliases"), { recursive: true });
    writeFileSync(join(catalog.dir, "aliases", ".prod.tmp"), "partial");
    expect((await catalog.add(b2, { alias: "prod" })).added).toBe(true);
    expect(git(catalog.dir, "status", "--porcelain", "--untracked-files=all")).toBe("");

    // A lock whose process is gone does not block the catalog.
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => gone.on("exit", r));
    writeFileSync(join(catalog.dir, ".git", "xorq-catalog.lock"), String(gone.pid));
    expect((await catalog.add(b1)).added).toBe(true);
    expect(existsSync(join(catalog.dir, ".git", "xorq-catalog.lock"))).toBe(false);
  });
});
