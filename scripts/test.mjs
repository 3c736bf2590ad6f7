// `npm test` runner: makes a real PostgreSQL server available, then runs vitest.
//
//   node scripts/test.mjs [vitest args...]
//
// Environment:
//   PGHOST (+PGPORT)   if set and reachable, that server is used as-is.
//   XORQ_TEST_NO_PG=1  skip PostgreSQL entirely, just run vitest.
//   XORQ_CHROMIUM      the Chromium the browser test drives (default: Debian's chromium,
//                      installed with apt-get when missing and running as root or with
//                      sudo; without it the browser test says it was skipped).
//   XORQ_TEST_CMD      (debugging) shell command run instead of vitest, with the same env
//                      and the extra args appended, e.g.
//                      XORQ_TEST_CMD="psql -c 'select version()'" node scripts/test.mjs
//
// Otherwise a throwaway cluster (trust auth, superuser xorq, database xorq_test, fsync off)
// is created in a temp dir on a free 127.0.0.1 port and always removed afterwards.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const log = (msg) => console.error(`[test] ${msg}`);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const isRoot = process.getuid?.() === 0;

let current = null; // the child we are waiting on (setup step or vitest), for signal forwarding
let stopping = null; // signal name once SIGINT/SIGTERM was received
let cluster = null; // { tmp, pgCtl, dataDir, spawnOpts } once a temp dir exists

/** Run a command; resolves to its exit code. `capture` buffers output to show only on failure. */
function run(cmd, argv, { capture = false, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: capture ? "pipe" : "inherit", ...opts });
    let out = "";
    if (capture) for (const s of [child.stdout, child.stderr]) s.on("data", (d) => (out += d));
    current = child;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      current = null;
      if (stopping) return reject(new Error(`interrupted by ${stopping}`));
      const rc = code ?? 128 + (os.constants.signals[signal] ?? 0);
      if (rc !== 0 && capture) process.stderr.write(out);
      resolve(rc);
    });
  });
}

async function must(cmd, argv, opts) {
  const rc = await run(cmd, argv, { capture: true, ...opts });
  if (rc !== 0) throw new Error(`${[path.basename(cmd), ...argv].join(" ")} failed (exit ${rc})`);
}

const isExe = (p) => { try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch { return false; } };

/** Directory holding initdb + pg_ctl: Debian's /usr/lib/postgresql/<ver>/bin (newest first), then PATH. */
function findPgBin() {
  const base = "/usr/lib/postgresql";
  const versions = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => parseFloat(b) - parseFloat(a)) : [];
  const dirs = [...versions.map((v) => path.join(base, v, "bin")), ...(process.env.PATH ?? "").split(path.delimiter)];
  return dirs.find((d) => d && isExe(path.join(d, "initdb")) && isExe(path.join(d, "pg_ctl")));
}

async function installPostgres() {
  const apt = ["apt-get", "update"], install = ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"];
  const hint = "install PostgreSQL server binaries (Debian/Ubuntu: apt-get install postgresql), or set PGHOST/PGPORT to a running server, or XORQ_TEST_NO_PG=1";
  let wrap;
  if (isRoot) wrap = (c) => ["env", ["DEBIAN_FRONTEND=noninteractive", ...c]];
  else if (spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) wrap = (c) => ["sudo", ["-n", "env", "DEBIAN_FRONTEND=noninteractive", ...c]];
  else throw new Error(`PostgreSQL (initdb/pg_ctl) not found and cannot install it without root: ${hint}`);
  if (spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status !== 0) throw new Error(`PostgreSQL not found and apt-get unavailable: ${hint}`);
  log("PostgreSQL not found, installing it with apt-get ...");
  for (const c of [apt, install]) await must(...wrap(c), { capture: false }); // show apt progress
}

/** uid/gid to run the server as. initdb/postgres refuse to run as root, so root uses an unprivileged account. */
async function serverUser() {
  if (!isRoot) return {};
  const id = (user, flag) => spawnSync("id", [flag, user], { encoding: "utf8" });
  let user = "postgres"; // created by the Debian package
  if (id(user, "-u").status !== 0) {
    user = "xorqpg";
    if (id(user, "-u").status !== 0) await must("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]);
  }
  return { uid: Number(id(user, "-u").stdout), gid: Number(id(user, "-g").stdout) };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** Is the server named by PGHOST/PGPORT accepting connections? (PGHOST may also be a socket dir.) */
function reachable(host, port) {
  if (host.startsWith("/")) return Promise.resolve(fs.existsSync(path.join(host, `.s.PGSQL.${port}`)));
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, timeout: 2000 });
    const done = (ok) => { sock.destroy(); resolve(ok); };
    sock.once("connect", () => done(true)).once("timeout", () => done(false)).once("error", () => done(false));
  });
}

async function startCluster() {
  let bin = findPgBin();
  if (!bin) { await installPostgres(); bin = findPgBin(); }
  if (!bin) throw new Error("PostgreSQL was installed but initdb/pg_ctl still cannot be found");
  const t0 = Date.now();
  const ids = await serverUser();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "xorq-pg-"));
  const dataDir = path.join(tmp, "data"), sockDir = path.join(tmp, "sock"), logFile = path.join(tmp, "postgres.log");
  fs.mkdirSync(sockDir);
  if (ids.uid !== undefined) for (const p of [tmp, sockDir]) fs.chownSync(p, ids.uid, ids.gid);
  // cwd=tmp: the server user may not be allowed into our cwd, which upsets initdb.
  const spawnOpts = { ...ids, cwd: tmp, env: { ...process.env, LC_ALL: "C" } };
  const pgCtl = path.join(bin, "pg_ctl");
  cluster = { tmp, pgCtl, dataDir, spawnOpts };

  await must(path.join(bin, "initdb"), ["-D", dataDir, "-A", "trust", "-U", "xorq", "--encoding=UTF8", "--locale=C", "--no-sync"], spawnOpts);
  const port = await freePort();
  const serverOpts = `-p ${port} -k '${sockDir}' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  try {
    await must(pgCtl, ["start", "-D", dataDir, "-w", "-l", logFile, "-o", serverOpts], spawnOpts);
  } catch (err) {
    if (fs.existsSync(logFile)) process.stderr.write(fs.readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n"));
    throw err;
  }
  await must(path.join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "xorq", "xorq_test"]);
  cluster.started = true;
  const version = spawnSync(pgCtl, ["--version"], { encoding: "utf8" }).stdout.match(/\d+(\.\d+)?/)?.[0] ?? "?";
  log(`started PostgreSQL ${version} on 127.0.0.1:${port} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return {
    PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "xorq", PGDATABASE: "xorq_test", PGPASSWORD: "xorq",
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`, // psql, pg_dump, ... of the same version
  };
}

/** Synchronous and idempotent so it can also run from the 'exit' handler. */
function cleanup() {
  if (!cluster) return;
  const { tmp, pgCtl, dataDir, spawnOpts } = cluster;
  cluster = null;
  // Also attempted when start "failed": a postmaster may be up even if pg_ctl -w gave up waiting.
  if (fs.existsSync(path.join(dataDir, "postmaster.pid"))) {
    spawnSync(pgCtl, ["stop", "-D", dataDir, "-m", "immediate", "-w"], { ...spawnOpts, stdio: "ignore" });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  log("stopped PostgreSQL and removed its temp dir");
}

/** Debian's Chromium for the docs browser test: XORQ_CHROMIUM, else on PATH, else installed with apt-get if we may. */
async function findChromium() {
  if (process.env.XORQ_CHROMIUM) return process.env.XORQ_CHROMIUM;
  const onPath = () => (process.env.PATH ?? "").split(path.delimiter).flatMap((d) => ["chromium", "chromium-browser"].map((n) => path.join(d, n))).find(isExe);
  let found = onPath();
  if (found) return found;
  let wrap;
  if (isRoot) wrap = (c) => ["env", ["DEBIAN_FRONTEND=noninteractive", ...c]];
  else if (spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) wrap = (c) => ["sudo", ["-n", "env", "DEBIAN_FRONTEND=noninteractive", ...c]];
  if (!wrap || spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status !== 0) {
    log("Chromium not found and cannot be installed here (not root, or no apt-get): the browser test will be skipped");
    return null;
  }
  log("Chromium not found, installing it with apt-get ...");
  try {
    for (const c of [["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]]) await must(...wrap(c), { capture: false });
  } catch (err) {
    log(`installing Chromium failed (${err.message}): the browser test will be skipped`);
    return null;
  }
  found = onPath();
  if (!found) log("Chromium was installed but is not on PATH: the browser test will be skipped");
  return found ?? null;
}

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    // First signal: let the running child wind down (vitest also gets Ctrl-C from the tty),
    // the finally in main() then cleans up. A second signal kills it.
    const again = stopping !== null;
    stopping = sig;
    if (current) current.kill(again ? "SIGKILL" : sig);
    else { cleanup(); process.exit(128 + os.constants.signals[sig]); }
  });
}
process.on("exit", cleanup);

async function main() {
  let env = { ...process.env };
  const { PGHOST, PGPORT = "5432", XORQ_TEST_NO_PG, XORQ_TEST_CMD } = process.env;
  if (XORQ_TEST_NO_PG === "1") log("XORQ_TEST_NO_PG=1: running without PostgreSQL");
  else if (PGHOST && (await reachable(PGHOST, Number(PGPORT)))) {
    log(`using existing PostgreSQL at ${PGHOST}:${PGPORT}`);
    env.XORQ_TEST_PG = "1";
  } else {
    if (PGHOST) log(`PGHOST=${PGHOST}:${PGPORT} is not reachable, starting a throwaway cluster`);
    env = { ...env, ...(await startCluster()), XORQ_TEST_PG: "1" };
  }

  const chromium = await findChromium();
  if (chromium) env.XORQ_CHROMIUM = chromium;

  const vitest = path.join(root, "node_modules", ".bin", "vitest");
  if (!XORQ_TEST_CMD && !isExe(vitest)) throw new Error(`${vitest} not found; run npm ci first`);
  // XORQ_TEST_CMD goes through sh; "$@" forwards our args unmangled.
  const [cmd, argv] = XORQ_TEST_CMD ? ["sh", ["-c", `${XORQ_TEST_CMD} "$@"`, "sh", ...args]] : [vitest, ["run", ...args]];
  return run(cmd, argv, { cwd: root, env });
}

let code;
try {
  code = await main();
} catch (err) {
  if (stopping) code = 128 + os.constants.signals[stopping];
  else { log(`error: ${err.message}`); code = 1; }
} finally {
  cleanup();
}
process.exit(code);
