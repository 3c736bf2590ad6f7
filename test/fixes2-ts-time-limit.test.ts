/**
 * Issue 17.4: a TypeScript model that never finishes (a loop at import or in its model
 * function, a top-level await that never settles) is an error naming its file within the
 * time limit (XORQ_TS_TIME_LIMIT), not a hang or a silent exit 13; `build --watch` stays
 * responsive: it sees the fix and stops on SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { CLI, tempDir } from "./helpers/project.js";

const LIMIT = { XORQ_TS_TIME_LIMIT: "3" };
let root: string;

function start(dir: string, args: ReadonlyArray<string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, XORQ_CACHE_DIR: join(root, ".xorq-cache"), CI: "1", ...LIMIT },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  // Before the fix these hung: stop them rather than the test runner.
  const guard = setTimeout(() => child.kill("SIGKILL"), 25_000);
  const exited = new Promise<number | null>((done) => child.on("close", (code) => (clearTimeout(guard), done(code))));
  return { child, output: () => output, exited };
}

async function until(what: () => boolean, ms: number, output: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function project(name: string, model: string): Promise<string> {
  expect((await runCli(["init", name], root)).exitCode).toBe(0);
  const dir = join(root, name);
  writeFileSync(join(dir, "xorq_project", "models", "marts", "spin.ts"), model);
  return dir;
}

beforeAll(() => {
  root = tempDir("xorq-ts-limit-");
});

describe("TS models run under a time limit", () => {
  const cases: ReadonlyArray<readonly [string, string, string, string]> = [
    ["a loop at import", "build", `import { model } from "xorq";\nwhile (true) {}\nexport default model({ name: "spin" }, ({ ref }) => ref("clean_orders"));\n`, "cannot import: the import did not finish within 3 s"],
    ["a loop in the model function", "build", `import { model } from "xorq";\nexport default model({ name: "spin" }, ({ ref }) => { while (true) {} return ref("clean_orders"); });\n`, "the model function did not finish within 3 s"],
    ["a top-level await that never settles", "ls", `import { model } from "xorq";\nawait new Promise(() => {});\nexport default model({ name: "spin" }, ({ ref }) => ref("clean_orders"));\n`, "cannot import: the import did not finish within 3 s"],
  ];
  cases.forEach(([what, command, source, message], i) => {
    it(what, async () => {
      const run = start(await project(`p${i}`, source), [command]);
      expect(await run.exited).toBe(2);
      expect(run.output()).toContain(`xorq_project/models/marts/spin.ts:1:1: ${message}`);
    }, 40_000);
  });

  it("build --watch reports the hang, builds the fixed model and stops on SIGTERM", async () => {
    const dir = await project("watched", cases[1]![2]);
    const run = start(dir, ["build", "--watch"]);
    await until(() => run.output().includes("the model function did not finish"), 20_000, run.output);
    writeFileSync(join(dir, "xorq_project", "models", "marts", "spin.ts"), `import { model } from "xorq";\nexport default model({ name: "spin" }, ({ ref }) => ref("clean_orders").limit(3));\n`);
    await until(() => /^built .*\bspin\b/m.test(run.output()), 20_000, run.output);
    run.child.kill("SIGTERM");
    const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r("still running"), 5_000))]);
    expect(code).not.toBe("still running");
  }, 60_000);
});
