#!/usr/bin/env node
// The scale benchmark of issue 8: the synthetic N-model project of
// ../shared/bench/peers/SHAPE.md (bench/gen-project.mjs, SQL or TypeScript models), timed as
// whole `xorq` processes (`node dist/cli/main.js ...`, cwd = the project), with peak RSS.
//
//   npx tsc -p tsconfig.json && node bench/scale.mjs [--n 100,1000,5000,10000] [--variant sql,ts]
//       [--runs 3] [--timeout 300] [--slow 30] [--cli dist/cli/main.js] [--out results.json] [--keep]
//
// Per N and variant, in a fresh temp dir, in this order (each cell: median of --runs runs;
// a cell whose run takes more than --slow seconds is not repeated; a run killed after
// --timeout seconds is reported as ">T s"):
//   ls cold       `xorq ls` with no target/, no builds/ and an empty XORQ_CACHE_DIR (which
//                 holds the transpiled TS models): nothing left by an earlier run
//   ls            `xorq ls` again, nothing changed
//   plan cold     `xorq plan --json`, as cold as `ls cold`
//   plan          `xorq plan --json` again
//   build fresh   `xorq build --json`, as cold as `ls cold`; checks that every model was built
//   build no-op   `xorq build --json` again; checks that nothing was built
//   build edit    one model in the middle of the DAG (the first filter or aggregate at or after
//                 index N/2 that has descendants: 1 or 2 for every N here, so the cell measures
//                 the per-project work, not a large rebuild) gets a new constant (`amount > K`),
//                 then `xorq build --json`;
//                 checks that the model was built; the file is restored afterwards
//   watch         `xorq build --watch --json` is started and its initial "rebuilt" awaited;
//                 then the same model is saved with a new constant, and the time is taken from
//                 the write to the "rebuilt" event whose `built` includes it (save→event) and
//                 to its artifact directory appearing in builds/ (save→artifact, fs.watch)
// Peak RSS: GNU time's max RSS (`/usr/bin/time -f %M`) of each one-shot process (xorq runs in
// one process: DuckDB is in-process and the TS loader is a thread), VmHWM of the watch process.
// Prints a markdown table with the goals of issue 8 and the Dataform rows of the peer benchmark
// (the latest run per N in ../shared/bench/peers/data/dataform.tsv), then per-command peak RSS.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = process.env.XORQ_PEERS_DIR ?? path.resolve(here, "../../shared/bench/peers");
const { buildDag } = await import(path.join(peers, "gen-dataform.mjs"));

const opts = parseArgs(process.argv.slice(2));
const CLI = path.resolve(opts.cli);
if (!fs.existsSync(CLI)) fail(`${CLI} does not exist; build first: npx tsc -p tsconfig.json`);
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
if (!TIME) console.error("scale: /usr/bin/time not found (apt-get install time); peak RSS of one-shot commands left out");

/** The measurements of a row, in table order: key, header, goal at 10,000 SQL models (s). */
const CELLS = [
  ["ls_cold", "ls cold", 1],
  ["ls", "ls", 0.15],
  ["plan_cold", "plan cold", 1],
  ["plan", "plan", 0.15],
  ["build_fresh", "build fresh", 3],
  ["build_noop", "build no-op", 0.3],
  ["build_edit", "build 1 edit", 0.5],
  ["watch_event", "watch save→rebuilt", null],
  ["watch_artifact", "watch save→artifact", 0.1],
];
const RSS_GOAL_MB = 400;

// The floor every command pays: node start-up plus loading the CLI's modules.
const floor = [];
const floorCpu = [];
for (let r = 0; r < opts.runs; r++) {
  const res = await runProcess(process.execPath, [CLI, "--version"], { cwd: here, timeoutS: Math.max(opts.timeout, 60), measure: true });
  if (res.code !== 0) fail(`${CLI} --version ${res.timedOut ? "timed out" : `exited ${res.code}`}: ${res.stderr.trim()}`);
  floor.push(res.wallS);
  if (res.cpuS !== null) floorCpu.push(res.cpuS);
}
const rows = [];
for (const n of opts.n) {
  for (const variant of opts.variant) {
    const row = await measureProject(n, variant);
    rows.push(row);
    console.error(`scale: ${JSON.stringify(row)}`);
  }
}
if (opts.out) fs.writeFileSync(opts.out, JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, floor_s: median(floor), floor_cpu_s: floorCpu.length ? median(floorCpu) : null, rows }, null, 2) + "\n");
console.log(renderTables(rows));

// ---------------------------------------------------------------------------------------

async function measureProject(n, variant) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xorq-scale-${n}-${variant}-`));
  const cacheDir = path.join(dir, ".xorq-cache");
  const env = { ...process.env, XORQ_CACHE_DIR: cacheDir, NO_COLOR: "1" };
  // The machine is shared: the 1-minute load average before and after says how quiet it was.
  const row = { n, variant, dir, cells: {}, rss: {}, cpu: {}, notes: [], load: [round(os.loadavg()[0])] };
  try {
    const g0 = performance.now();
    await runProcess(process.execPath, [path.join(here, "gen-project.mjs"), String(n), dir, ...(variant === "ts" ? ["--ts"] : [])], { cwd: here, timeoutS: opts.timeout });
    row.gen_s = round((performance.now() - g0) / 1000);
    const edit = editTarget(n, variant, dir);
    row.edited = { model: edit.name, kind: edit.kind, descendants: edit.descendants };

    const cold = () => {
      for (const d of ["target", "builds"]) fs.rmSync(path.join(dir, d), { recursive: true, force: true });
      fs.rmSync(cacheDir, { recursive: true, force: true });
    };
    const xorq = (args) => ({ args, cwd: dir, env });
    const lsCheck = (out) => {
      const names = out.split("\n").filter((l) => l.trim() !== "").length;
      if (names !== n) throw new Error(`ls printed ${names} names, expected ${n}`);
    };
    const summary = (out) => {
      const events = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      return { events, summary: events.find((e) => e.event === "summary") ?? events.find((e) => e.event === "plan") };
    };
    const built = (out) => summary(out).events.filter((e) => e.event === "model_finished" && e.status === "built").map((e) => e.name);

    await cell(row, "ls_cold", xorq(["ls"]), { before: cold, check: lsCheck });
    await cell(row, "ls", xorq(["ls"]), { check: lsCheck });
    await cell(row, "plan_cold", xorq(["plan", "--json"]), { before: cold });
    await cell(row, "plan", xorq(["plan", "--json"]));
    await cell(row, "build_fresh", xorq(["build", "--json"]), {
      before: cold,
      check: (out) => {
        const b = built(out).length;
        if (b !== n) throw new Error(`build fresh built ${b} of ${n} models`);
      },
    });
    if (row.cells.build_fresh.timeout !== undefined) {
      row.notes.push("build fresh timed out: the build and watch cells after it were skipped");
      return row;
    }
    await cell(row, "build_noop", xorq(["build", "--json"]), {
      check: (out) => {
        const b = built(out);
        if (b.length !== 0) throw new Error(`build no-op built ${b.length} models (${b.slice(0, 3).join(", ")}...)`);
      },
    });
    let k = 0;
    try {
      await cell(row, "build_edit", xorq(["build", "--json"]), {
        before: () => edit.apply(++k),
        check: (out) => {
          const b = built(out);
          if (!b.includes(edit.name)) throw new Error(`build after editing ${edit.name} did not build it`);
          row.edited.rebuilt = b.length;
        },
      });
    } finally {
      edit.restore();
    }
    await measureWatch(row, edit, dir, env);
  } catch (e) {
    row.notes.push(`error: ${e.message}`);
    console.error(`scale: N=${n} ${variant}: ${e.stack ?? e.message}`);
  } finally {
    row.load.push(round(os.loadavg()[0]));
    if (opts.keep) console.error(`scale: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  return row;
}

/** Runs one xorq command `runs` times (fewer when slow); stores the median wall time and max RSS. */
async function cell(row, key, cmd, { before, check } = {}) {
  const walls = [];
  const cpus = [];
  let rss = 0;
  for (let r = 0; r < opts.runs; r++) {
    before?.();
    const res = await runProcess(process.execPath, [CLI, ...cmd.args], { cwd: cmd.cwd, env: cmd.env, timeoutS: opts.timeout, measure: true });
    if (res.timedOut) {
      row.cells[key] = { timeout: opts.timeout };
      return;
    }
    if (res.code !== 0) throw new Error(`xorq ${cmd.args.join(" ")} exited ${res.code}: ${res.stderr.trim().split("\n").slice(-5).join(" | ")}`);
    check?.(res.stdout);
    walls.push(res.wallS);
    rss = Math.max(rss, res.maxRssMb ?? 0);
    if (res.cpuS !== null) cpus.push(res.cpuS);
    if (res.wallS > opts.slow) break;
  }
  row.cells[key] = { s: median(walls), runs: walls.map(round) };
  if (rss > 0) row.rss[key] = Math.round(rss);
  if (cpus.length > 0) row.cpu[key] = round(median(cpus));
}

/** The watch cells: one long-lived `xorq build --watch --json`, `runs` saves of the edited model. */
async function measureWatch(row, edit, dir, env) {
  const child = spawn(process.execPath, [CLI, "build", "--watch", "--json"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const waiters = new Set();
  const events = [];
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    const e = { ...JSON.parse(line), at: performance.now() };
    events.push(e);
    for (const w of waiters) w(e);
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const next = (pred, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`watch: no ${what} within ${opts.timeout} s; stderr: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
      }, opts.timeout * 1000);
      const w = (e) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        waiters.delete(w);
        resolve(e);
      };
      waiters.add(w);
      exited.then(({ code, signal }) => reject(new Error(`watch exited (${code ?? signal}) while waiting for ${what}; stderr: ${stderr.trim().split("\n").slice(-3).join(" | ")}`)));
    });
  const builds = path.join(dir, "builds");
  const toolMs = [];
  const toEvent = [];
  const toArtifact = [];
  const cpu = [];
  try {
    const start = performance.now();
    await next((e) => e.event === "watching", "initial build (watching event)");
    row.watch_initial_s = round((performance.now() - start) / 1000);
    for (let r = 0; r < opts.runs; r++) {
      // A hash that no earlier cell produced, so the model is really rebuilt.
      const seen = new Set(fs.existsSync(builds) ? fs.readdirSync(builds) : []);
      let artifactAt = null;
      const dirWatcher = fs.watch(builds, (_type, entry) => {
        if (artifactAt !== null || !entry || seen.has(entry) || !/^[0-9a-f]{12}$/.test(entry)) return;
        const at = performance.now();
        seen.add(entry);
        try {
          const meta = JSON.parse(fs.readFileSync(path.join(builds, entry, "metadata.json"), "utf8"));
          if (meta.model === edit.name) artifactAt = at;
        } catch {
          seen.delete(entry); // not complete yet: look again on its next event
        }
      });
      const done = next((e) => e.event === "project_error" || (e.event === "rebuilt" && e.built?.includes(edit.name)), `rebuilt event with ${edit.name}`);
      const c0 = cpuSecondsOf(child.pid);
      const t0 = performance.now();
      edit.apply(100 + r);
      const e = await done;
      cpu.push(cpuSecondsOf(child.pid) - c0);
      if (e.event === "project_error") throw new Error(`watch: project_error after the edit: ${e.message}`);
      // The rename of the artifact can be reported just after the event line is read.
      for (let i = 0; i < 100 && artifactAt === null; i++) await new Promise((res) => setTimeout(res, 10));
      dirWatcher.close();
      toEvent.push((e.at - t0) / 1000);
      if (artifactAt !== null) toArtifact.push((artifactAt - t0) / 1000);
      if (typeof e.ms === "number") toolMs.push(e.ms);
      row.edited.watch_rebuilt = e.built.length;
      // Back to the original content; wait until the watcher has taken it in.
      const back = next((x) => (x.event === "rebuilt" || x.event === "project_error") && x.trigger === "change", "rebuilt event after the restore");
      edit.restore();
      await back;
    }
    row.cells.watch_event = { s: median(toEvent), runs: toEvent.map(round) };
    if (toArtifact.length > 0) row.cells.watch_artifact = { s: median(toArtifact), runs: toArtifact.map(round) };
    if (toolMs.length > 0) row.watch_tool_ms = Math.round(median(toolMs));
    row.rss.watch = readHwmMb(child.pid);
    row.cpu.watch = round(median(cpu));
  } catch (e) {
    row.notes.push(e.message);
    console.error(`scale: N=${row.n} ${row.variant}: ${e.message}`);
  } finally {
    edit.restore();
    if (child.exitCode === null) {
      child.kill("SIGINT");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
  }
}

/**
 * The model to edit: the first filter or aggregate model (those have a constant,
 * `amount > K`) at or after index N/2 with descendants (a leaf would be the best case);
 * apply(k) sets K to its original value + k.
 */
function editTarget(n, variant, dir) {
  const { dag } = buildDag(n, 42);
  const children = new Map();
  for (const x of dag.models) for (const input of x.inputs) children.set(input, [...(children.get(input) ?? []), x.name]);
  const descendants = (name) => {
    const down = new Set();
    const stack = [name];
    while (stack.length) for (const c of children.get(stack.pop()) ?? []) if (!down.has(c)) (down.add(c), stack.push(c));
    return down.size;
  };
  const editable = (m) => m.kind === "filter" || m.kind === "aggregate";
  let i = dag.models.findIndex((m, j) => j >= Math.floor(n / 2) && editable(m) && children.has(m.name));
  if (i < 0) i = dag.models.findIndex(editable);
  if (i < 0) throw new Error("no filter or aggregate model to edit");
  const m = dag.models[i];
  const file = path.join(dir, "xorq_project", "models", `part_${String(Math.floor(i / 100)).padStart(3, "0")}`, `${m.name}.${variant}`);
  const original = fs.readFileSync(file, "utf8");
  const re = variant === "ts" ? /(amount\.gt\()(\d+)(\))/ : /(amount\)? > )(\d+)()/;
  if (!re.test(original)) throw new Error(`${file}: no constant to edit`);
  return {
    name: m.name,
    kind: m.kind,
    descendants: descendants(m.name),
    apply: (k) => fs.writeFileSync(file, original.replace(re, (_all, pre, num, post) => `${pre}${Number(num) + k}${post}`)),
    restore: () => {
      if (fs.readFileSync(file, "utf8") !== original) fs.writeFileSync(file, original);
    },
  };
}

/**
 * Spawns a process (in its own process group, killed as a group on timeout); with `measure`,
 * under GNU time for its peak RSS. Wall time is taken here, from spawn to exit.
 */
function runProcess(cmd, args, { cwd, env, timeoutS, measure = false }) {
  const rssFile = measure && TIME ? path.join(os.tmpdir(), `xorq-scale-time-${process.pid}.txt`) : null;
  const [file, argv] = rssFile ? [TIME, ["-f", "%M %U %S", "-o", rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    let stderr = "";
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-8000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    child.on("error", reject);
    child.on("close", (code) => {
      const wallS = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      let maxRssMb = null;
      let cpuS = null;
      if (rssFile && !timedOut) {
        // The last line (GNU time puts "Command exited with non-zero status" before it).
        const [kb, user, sys] = fs.readFileSync(rssFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
        if (Number.isFinite(kb)) maxRssMb = kb / 1024;
        if (Number.isFinite(user) && Number.isFinite(sys)) cpuS = user + sys;
      }
      if (rssFile) fs.rmSync(rssFile, { force: true });
      resolve({ code, timedOut, wallS, maxRssMb, cpuS, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}

/** CPU seconds (user + system, all threads) a live process has used so far. */
function cpuSecondsOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ (100/s) ticks
}

function readHwmMb(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

// ---------------------------------------------------------------------------------------

function renderTables(rows) {
  const fmt = (c) => (c === undefined ? "—" : c.timeout !== undefined ? `>${c.timeout} s` : fmtS(c.s));
  const head = ["N", "models", ...CELLS.map((c) => c[1]), "peak RSS MB"];
  const lines = [
    `xorq: node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 16)}Z, medians of up to ${opts.runs} runs;` +
      ` process start-up floor (\`xorq --version\`) ${fmtS(median(floor))}${floorCpu.length ? ` (CPU ${fmtS(median(floorCpu))})` : ""}`,
    "",
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const r of rows) {
    const rss = Math.max(0, ...Object.values(r.rss).filter((x) => typeof x === "number"));
    lines.push(`| ${fmtN(r.n)} | ${r.variant} | ${CELLS.map(([k]) => fmt(r.cells[k])).join(" | ")} | ${rss || "—"} |`);
  }
  lines.push(`| 10,000 | goal, SQL (issue 8) | ${CELLS.map(([, , g]) => (g === null ? "—" : `< ${fmtS(g)}`)).join(" | ")} | < ${RSS_GOAL_MB} |`);
  lines.push(`| 10,000 | goal, TS | ${CELLS.map(([, , g]) => (g === null ? "—" : `< ${fmtS(2 * g)}`)).join(" | ")} | < ${2 * RSS_GOAL_MB} |`);
  for (const d of dataformRows([...new Set(rows.map((r) => r.n))])) {
    const cells = CELLS.map(([k]) => (k === "build_fresh" ? fmtS(d.fresh) : k === "build_noop" ? fmtS(d.noop) : "—"));
    lines.push(`| ${fmtN(d.n)} | Dataform ${d.version} compile (${d.stamp}, ${d.runs} run${d.runs > 1 ? "s" : ""}) | ${cells.join(" | ")} | ${Math.round(d.rss)} |`);
  }
  lines.push(
    "",
    "cold = no target/, no builds/, empty XORQ_CACHE_DIR; build edit / watch = one filter or aggregate model near index N/2 (with",
    "descendants) gets a new constant; Dataform has no incremental path (every compile is a full one: its fresh and no-op columns",
    "are `dataform compile --json`, medians of ../shared/bench/peers/data/dataform.tsv: the run set with the most runs and the latest).",
    "",
    "Peak RSS (MB) / CPU (user + system s, median) per command (watch: CPU per save), edited model, watch details,",
    "load average (1 min) before / after the row (the machine is shared: CPU is steadier than wall time when it is busy):",
    "",
    `| N | models | ${CELLS.slice(0, 7).map((c) => c[1]).join(" | ")} | watch | edited model (descendants; rebuilt by build / watch) | watch: initial build, first save→rebuilt, tool-reported ms | load |`,
    `| --- | --- | ${CELLS.slice(0, 7).map(() => "---:").join(" | ")} | ---: | --- | --- | --- |`,
  );
  for (const r of rows) {
    const e = r.edited ?? {};
    lines.push(
      `| ${fmtN(r.n)} | ${r.variant} | ${[...CELLS.slice(0, 7).map(([k]) => k), "watch"].map((k) => `${r.rss[k] ?? "—"} / ${r.cpu[k] ?? "—"}`).join(" | ")} | ${e.model ?? "—"} ${e.kind ?? ""} (${e.descendants ?? "?"}; ${e.rebuilt ?? "?"} / ${e.watch_rebuilt ?? "?"}) | ${r.watch_initial_s === undefined ? "—" : fmtS(r.watch_initial_s)}, ${r.cells.watch_event ? fmtS(r.cells.watch_event.runs[0]) : "—"}, ${r.watch_tool_ms ?? "—"} | ${r.load.join(" / ")} |`,
    );
  }
  for (const d of dataformRows([...new Set(rows.map((r) => r.n))])) {
    const cells = CELLS.slice(0, 7).map(([k]) => (k === "build_fresh" ? `${Math.round(d.rss)} / ${d.cpuFresh}` : k === "build_noop" ? `— / ${d.cpuNoop}` : "—"));
    lines.push(`| ${fmtN(d.n)} | Dataform (${d.stamp}) | ${cells.join(" | ")} | — | — | — | — |`);
  }
  const notes = rows.flatMap((r) => r.notes.map((x) => `* N=${r.n} ${r.variant}: ${x}`));
  if (notes.length > 0) lines.push("", "Problems:", ...notes);
  return lines.join("\n");
}

/**
 * Dataform runs of the peer benchmark (../shared/bench/peers/data/dataform.tsv) per N: the
 * run set with the most runs (the baseline) and, if another, the latest one; medians.
 */
function dataformRows(ns) {
  const file = path.join(peers, "data", "dataform.tsv");
  if (!fs.existsSync(file)) return [];
  const [head, ...body] = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const col = (r, name) => r[head.indexOf(name)];
  const out = [];
  for (const n of ns) {
    const mine = body.filter((r) => Number(col(r, "n")) === n && col(r, "exit") === "0");
    const stamps = [...new Set(mine.map((r) => col(r, "date")))].sort();
    if (stamps.length === 0) continue;
    const size = (st) => mine.filter((r) => col(r, "date") === st).length;
    const baseline = stamps.reduce((best, st) => (size(st) > size(best) ? st : best));
    for (const stamp of new Set([baseline, stamps[stamps.length - 1]])) {
      const runs = mine.filter((r) => col(r, "date") === stamp);
      const med = (phase, c) => median(runs.filter((r) => col(r, "phase") === phase).map((r) => Number(col(r, c))));
      out.push({
        n, stamp, runs: runs.length / 2, version: col(runs[0], "tool_version"),
        fresh: med("fresh", "wall_s"), noop: med("noop", "wall_s"), rss: med("fresh", "tree_peak_rss_mb"),
        cpuFresh: med("fresh", "tree_cpu_s"), cpuNoop: med("noop", "tree_cpu_s"),
      });
    }
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}
function round(x) {
  return Math.round(x * 1000) / 1000;
}
function fmtS(s) {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`;
}
function fmtN(n) {
  return n.toLocaleString("en-US");
}

function parseArgs(argv) {
  const o = { n: [100, 1000, 5000, 10000], variant: ["sql", "ts"], runs: 3, timeout: 300, slow: 30, cli: path.join(here, "../dist/cli/main.js"), out: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--n") o.n = val().split(",").map(Number);
    else if (a === "--variant") o.variant = val().split(",");
    else if (a === "--runs") o.runs = Number(val());
    else if (a === "--timeout") o.timeout = Number(val());
    else if (a === "--slow") o.slow = Number(val());
    else if (a === "--cli") o.cli = val();
    else if (a === "--out") o.out = val();
    else if (a === "--keep") o.keep = true;
    else fail(`unknown option ${a}`);
  }
  if (o.n.some((x) => !Number.isInteger(x) || x < 1)) fail("--n takes positive integers, e.g. --n 100,1000");
  if (o.variant.some((v) => v !== "sql" && v !== "ts")) fail("--variant takes sql, ts or sql,ts");
  if (!(o.runs >= 1 && o.timeout > 0 && o.slow > 0)) fail("--runs, --timeout and --slow must be positive");
  return o;
}

function fail(msg) {
  console.error(`scale: ${msg}`);
  console.error("usage: node bench/scale.mjs [--n 100,1000,5000,10000] [--variant sql,ts] [--runs 3] [--timeout 300] [--slow 30] [--cli dist/cli/main.js] [--out file.json] [--keep]");
  process.exit(2);
}
