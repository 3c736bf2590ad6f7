/**
 * target/'s load caches (parse_cache.json, resolve_cache.json): an unchanged project is
 * loaded without parsing or resolving anything, an edit re-resolves exactly the edited
 * model and its descendants, and whatever the caches serve equals a fresh load.
 */
import { readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LoadSession, type Project, loadProject, projectFromSpec, readProject } from "../dist/project/project.js";
import type { ProjectSpec } from "../dist/project/project-spec.js";
import { graphSelection, parseSelection, selectModels } from "../dist/project/graph/selection.js";
import { specProfiles } from "../dist/project/graph/spec-profiles.js";
import { writeManifest } from "../dist/artifacts/manifest.js";
import { loadAndSelect } from "../dist/cli/project-options.js";
import { ProjectError } from "../dist/project/project-errors.js";
import { SHOP, tempDir, writeFiles, xorq } from "./helpers/project.js";
import { runCli } from "./helpers/cli.js";

/**
 * SHOP without its TS model (in-process TS imports need the CLI's module hooks, which
 * vitest's module runner bypasses), plus a chain of SQL models under stg_orders:
 * by_status -> status_share, and a YAML model on by_status.
 */
const FILES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(SHOP).filter(([path]) => !path.endsWith(".ts"))),
  "xorq_project/models/chain/by_status.sql": "select status, count(*) as n, sum(amount) as amount\nfrom {{ ref('stg_orders') }}\ngroup by status\n",
  "xorq_project/models/chain/status_share.sql":
    "select status, amount / sum(amount) over () as share\nfrom {{ ref('by_status') }}\n",
  "xorq_project/models/chain/busy_statuses.yaml": "from: ref('by_status')\nsteps:\n  - filter: \"n > 3\"\n",
};

const opened: Project[] = [];
afterEach(async () => {
  for (const p of opened.splice(0)) await p.close();
});

async function load(root: string, vars?: Record<string, unknown>): Promise<Project> {
  const p = await loadProject({ project: root, vars });
  opened.push(p);
  return p;
}

/** A load of the same files with no caches (target/ removed first). */
async function fresh(root: string): Promise<Project> {
  rmSync(join(root, "target"), { recursive: true, force: true });
  return load(root);
}

const hashes = (p: Project) => Object.fromEntries([...p.models].map(([n, m]) => [n, m.hash]));

function project(): string {
  const root = tempDir("xorq-load-caches-");
  writeFiles(root, FILES);
  return root;
}

describe("loading with target/'s caches", () => {
  it("serves an unchanged project from the caches, and what they serve equals a fresh load", async () => {
    const root = project();
    const first = await load(root);
    const total = first.order.length;
    expect(first.stats).toMatchObject({ modelsReused: 0, modelsResolved: total });
    expect(first.stats.filesParsed).toBeGreaterThan(total);

    const second = await load(root);
    expect(second.stats).toEqual({ filesParsed: 0, modelsResolved: 0, modelsReused: total });
    expect(hashes(second)).toEqual(hashes(first));
    for (const [name, m] of second.models) {
      expect(m.schema, name).toEqual(first.models.get(name)!.schema);
      expect(m.definitionHash, name).toBe(first.models.get(name)!.definitionHash);
      // The expression rebuilt from the cache: same SQL, and (recomputed) the same hash.
      expect(m.table.toSql(), name).toBe(first.models.get(name)!.table.toSql());
    }
    const rows = await second.models.get("status_share")!.table.execute();
    const expected = await first.models.get("status_share")!.table.execute();
    expect(rows.toArray().map((r) => r.toJSON())).toEqual(expected.toArray().map((r) => r.toJSON()));
  });

  it("re-resolves exactly the edited model and its descendants", async () => {
    const root = project();
    await load(root);
    const path = join(root, "xorq_project/models/chain/by_status.sql");
    writeFileSync(path, readFileSync(path, "utf8").replace("count(*) as n", "count(*) + 0 as n"));
    const edited = await load(root);
    // by_status and its descendants status_share and busy_statuses.
    expect(edited.stats).toEqual({ filesParsed: 1, modelsResolved: 3, modelsReused: edited.order.length - 3 });
    expect(hashes(edited)).toEqual(hashes(await fresh(root)));
  });

  it("a session (watch mode) keeps the caches in memory across loads, with the same results", async () => {
    const root = project();
    const session: LoadSession = {};
    const first = await loadProject({ project: root }, session);
    opened.push(first);
    // The files on disk go away: a load in the session does not read them.
    rmSync(join(root, "target"), { recursive: true, force: true });
    const path = join(root, "xorq_project/models/chain/status_share.sql");
    writeFileSync(path, readFileSync(path, "utf8").replace("as share", "as share_of_total"));
    const second = await loadProject({ project: root }, session);
    opened.push(second);
    expect(second.stats).toEqual({ filesParsed: 1, modelsResolved: 1, modelsReused: second.order.length - 1 });
    // by_status is served from memory and rebuilt for status_share's resolution.
    expect(second.models.get("status_share")!.schema.map((f) => f.name)).toEqual(["status", "share_of_total"]);
    expect(hashes(second)).toEqual(hashes(await fresh(root)));
  });

  it("a touched file with the same content is not parsed again", async () => {
    const root = project();
    await load(root);
    const path = join(root, "xorq_project/models/chain/by_status.sql");
    const later = new Date(Date.now() + 5_000);
    utimesSync(path, later, later);
    const touched = await load(root);
    expect(touched.stats.filesParsed).toBe(0);
    expect(touched.stats.modelsResolved).toBe(0);
  });

  it("a var's new value re-resolves the models that read it", async () => {
    const root = project();
    const before = await load(root);
    const after = await load(root, { min_amount: 50 });
    // stg_orders reads min_amount; everything downstream of it changes hash.
    const changed = Object.keys(hashes(after)).filter((n) => hashes(after)[n] !== hashes(before)[n]).sort();
    expect(changed).toEqual(["busy_statuses", "by_region", "by_status", "status_share", "stg_orders"]);
    expect(after.stats.modelsReused).toBe(1); // customers_clean
    expect(hashes(after)).toEqual(hashes(await (async () => {
      rmSync(join(root, "target"), { recursive: true, force: true });
      return load(root, { min_amount: 50 });
    })()));
  });

  it("a changed profile resolves every model again", async () => {
    const root = project();
    await load(root);
    writeFileSync(join(root, "xorq_project/profiles.yaml"), 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  other: { kind: duckdb, path: ":memory:" }\n');
    const changed = await load(root);
    expect(changed.stats.modelsReused).toBe(0);
  });

  it("a broken edit is reported with its position and does not poison the caches", async () => {
    const root = project();
    await load(root);
    const path = join(root, "xorq_project/models/chain/busy_statuses.yaml");
    const good = readFileSync(path, "utf8");
    writeFileSync(path, "from: ref('by_status')\nsteps:\n  - filter: [unclosed\n");
    await expect(load(root)).rejects.toThrow(ProjectError);
    await expect(load(root)).rejects.toThrow(/busy_statuses\.yaml:\d+:\d+/); // reported again: not cached
    writeFileSync(path, good);
    const fixed = await load(root);
    expect(hashes(fixed)).toEqual(hashes(await fresh(root)));
  });

  it("a deleted model leaves the project and its cache entries", async () => {
    const root = project();
    await load(root);
    rmSync(join(root, "xorq_project/models/chain/status_share.sql"));
    const after = await load(root);
    expect(after.models.has("status_share")).toBe(false);
    const index = JSON.parse(readFileSync(join(root, "target/resolve_cache.json"), "utf8")) as { models: Record<string, unknown> };
    expect(Object.keys(index.models)).not.toContain("status_share");
    expect(Object.keys(JSON.parse(readFileSync(join(root, "target/parse_cache.json"), "utf8")).entries)).not.toContain(
      "xorq_project/models/chain/status_share.sql",
    );
  });
});

describe("TS models in the caches (through the CLI: TS imports need its module hooks)", () => {
  async function lsHashes(root: string): Promise<Record<string, string>> {
    const r = await xorq(root, ["ls", "--output", "json"]);
    expect(r.code, r.stderr).toBe(0);
    return Object.fromEntries((JSON.parse(r.stdout) as Array<{ name: string; hash: string }>).map((m) => [m.name, m.hash]));
  }

  it("an edited local module a TS model imports re-resolves the model", async () => {
    const root = tempDir("xorq-load-caches-ts-");
    writeFiles(root, {
      ...SHOP,
      "xorq_project/lib/limits.ts": "export const TOP = 2;\n",
      "xorq_project/models/marts/top_regions.ts": SHOP["xorq_project/models/marts/top_regions.ts"]!
        .replace('import { model, _ } from "xorq";', 'import { model, _ } from "xorq";\nimport { TOP } from "../../lib/limits.js";')
        .replace(".limit(3)", ".limit(TOP)"),
    });
    const first = await lsHashes(root);
    expect(await lsHashes(root)).toEqual(first);
    writeFileSync(join(root, "xorq_project/lib/limits.ts"), "export const TOP = 3;\n");
    const edited = await lsHashes(root);
    expect(edited["top_regions"]).not.toBe(first["top_regions"]);
    expect(edited["by_region"]).toBe(first["by_region"]);
    rmSync(join(root, "target"), { recursive: true, force: true });
    expect(await lsHashes(root)).toEqual(edited);
  });
});

describe("stages run one way: a selection resolves only what it needs", () => {
  /** `xorq ls --select X`'s load (and `xorq plan`'s): select on the spec's graph, resolve the closure. */
  async function select(root: string, selector: string, state?: string) {
    const r = await loadAndSelect({ project: root, select: [selector], state }, { resolve: "selected" });
    opened.push(r.project);
    return r;
  }

  it("resolves the selected models and their ancestors only, and keeps the other models' cache entries", async () => {
    const root = project();
    const up = await select(root, "+by_status");
    expect(up.names).toEqual(["stg_orders", "by_status"]);
    expect([...up.project.models.keys()]).toEqual(["stg_orders", "by_status"]);
    expect(up.project.stats).toMatchObject({ modelsResolved: 2, modelsReused: 0 });
    expect([...up.project.sources.keys()]).toEqual(["orders"]);

    const down = await select(root, "by_status+");
    expect([...down.names].sort()).toEqual(["busy_statuses", "by_status", "status_share"]);
    expect([...down.project.models.keys()].sort()).toEqual(["busy_statuses", "by_status", "status_share", "stg_orders"]);
    expect(down.project.stats).toEqual({ filesParsed: 0, modelsResolved: 2, modelsReused: 2 });

    // A full load finds the partial loads' entries, and its hashes are theirs.
    const full = await load(root);
    expect(full.stats).toMatchObject({ modelsResolved: 2, modelsReused: 4 });
    for (const [n, m] of down.project.models) expect(m.hash, n).toBe(full.models.get(n)!.hash);
    // A partial load after it keeps every entry it did not visit: the next full load resolves nothing.
    expect((await select(root, "customers_clean")).project.stats).toMatchObject({ modelsResolved: 0, modelsReused: 1 });
    expect((await load(root)).stats).toMatchObject({ modelsResolved: 0, modelsReused: 6 });
  });

  it.each([["ls"], ["plan"]])("xorq %s --select resolves only the selection's closure (the resolve cache it writes holds nothing else)", async (command) => {
    const root = project();
    const r = await runCli([command, "--select", "+by_status", "--project", root]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("by_status");
    const written = JSON.parse(readFileSync(join(root, "target/resolve_cache.json"), "utf8")) as { models: Record<string, unknown> };
    expect(Object.keys(written.models).sort()).toEqual(["by_status", "stg_orders"]);
  });

  it("selects by profile on the spec; resolves every model for state: (it needs the vars models read) or when the files have problems", async () => {
    const root = project();
    const byProfile = await select(root, "profile:local,tag:other");
    expect(byProfile.names).toEqual(["customers_clean"]);
    expect([...byProfile.project.models.keys()]).toEqual(["customers_clean"]);
    await writeManifest(await load(root));
    const byState = await select(root, "state:modified", join(root, "target"));
    expect(byState.names).toEqual([]);
    expect(byState.project.models.size).toBe(6);
    writeFileSync(join(root, "xorq_project/models/chain/broken.sql"), "select * from {{ ref('nope') }}\n");
    await expect(select(root, "by_status")).rejects.toThrow("unknown ref 'nope'");
  });

  it("the spec's profiles are the ones resolving reports (declared, into_backend, inherited from the input)", async () => {
    const root = tempDir("xorq-spec-profiles-");
    writeFiles(root, {
      ...FILES,
      "xorq_project/profiles.yaml": 'profiles:\n  local: { kind: duckdb, path: ":memory:" }\n  other: { kind: duckdb, path: ":memory:" }\n',
      "xorq_project/models/chain/moved.yaml": "from: ref('by_status')\nsteps:\n  - into_backend: other\n  - filter: \"n > 1\"\n",
      "xorq_project/models/chain/after_move.yaml": "from: ref('moved')\nsteps:\n  - join:\n      with: ref('by_status')\n      on: [status]\n",
      "xorq_project/models/chain/declared.sql": "---\nprofile: other\n---\nselect * from {{ ref('status_share') }}\n",
      "xorq_project/models/chain/declared_yaml.yaml": "from: ref('declared')\nprofile: local\nsteps:\n  - limit: 5\n",
    });
    const read = await readProject({ project: root });
    const fromSpec = specProfiles(read.graph, read.spec.config.defaultProfile)!;
    const resolved = await read.resolve(null);
    opened.push(resolved);
    expect(Object.fromEntries(fromSpec)).toEqual(Object.fromEntries([...resolved.models].map(([n, m]) => [n, m.profile])));
    expect(fromSpec.get("after_move")).toBe("other");
    expect(fromSpec.get("declared_yaml")).toBe("local");
  });

  it("the spec is plain data: read back from JSON it gives the same selection and hashes", async () => {
    const root = project();
    const read = await readProject({ project: root });
    const back = JSON.parse(JSON.stringify(read.spec)) as ProjectSpec;
    expect(back).toEqual(read.spec);
    const fromJson = projectFromSpec(back);
    for (const selector of ["+status_share", "by_status+", "tag:other", "path:models/chain", "kind:yaml"]) {
      const selection = parseSelection({ select: selector });
      expect(selectModels(graphSelection(fromJson.graph, null), selection), selector).toEqual(selectModels(graphSelection(read.graph, null), selection));
    }
    rmSync(join(root, "target"), { recursive: true, force: true });
    const a = await read.resolve(null);
    opened.push(a);
    rmSync(join(root, "target"), { recursive: true, force: true });
    const b = await fromJson.resolve(null);
    opened.push(b);
    expect(b.stats.modelsReused).toBe(0);
    expect(hashes(b)).toEqual(hashes(a));
    for (const [n, m] of b.models) expect([m.definitionHash, m.configHash], n).toEqual([a.models.get(n)!.definitionHash, a.models.get(n)!.configHash]);
  });
});
