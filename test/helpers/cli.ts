/**
 * Runs the `xorq` command line in-process (the commander program of src/cli/main.ts,
 * as built in dist/: build first with `npx tsc -p tsconfig.json`), capturing what it
 * prints and the exit code it would exit with: what a spawned `xorq` shows, without
 * starting a process (`xorq` of test/helpers/project.ts spawns one, for the tests that
 * cover the real process path).
 */
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import type * as Commands from "../../src/cli/commands/index.js";
import type * as Errors from "../../src/cli/errors.js";

/**
 * Loaded by Node's own loader (`require` of an ES module), out of reach of vitest's
 * module runner: the CLI's modules then load as they do in the `xorq` process, so the
 * module hooks that import a project's TypeScript models (src/project/model-kinds/ts-loader.ts)
 * apply; the runner would import those files itself, without the hooks.
 */
const nativeRequire = createRequire(import.meta.url);
const DIST = resolve(fileURLToPath(import.meta.url), "../../../dist/cli");
const cli = Promise.resolve().then(
  () => [nativeRequire(join(DIST, "commands/index.js")) as typeof Commands, nativeRequire(join(DIST, "errors.js")) as typeof Errors] as const,
);

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** `env` is set for the call only (and restored after), as a spawned process would get it. */
export async function runCli(args: ReadonlyArray<string>, cwd?: string, env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  const [{ commandsFor }, { exitCodeFor, formatError }] = await cli;
  const program = new Command("xorq").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  for (const register of await commandsFor(["node", "xorq", ...args])) register(program);
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const before = process.cwd();
  const savedExitCode = process.exitCode;
  // Vitest maps stack traces through its own transforms; the CLI's errors name places in
  // TypeScript models through Node's source maps (as in the `xorq` process).
  const savedPrepare = Error.prepareStackTrace;
  Error.prepareStackTrace = undefined;
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]] as const));
  Object.assign(process.env, env);
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  let exitCode = 0;
  try {
    if (cwd) process.chdir(cwd);
    await program.parseAsync(["node", "xorq", ...args]);
    exitCode = Number(process.exitCode ?? 0);
  } catch (e) {
    const c = e as { code?: string; exitCode?: number };
    if (typeof c.code === "string" && c.code.startsWith("commander.")) exitCode = c.exitCode === 0 ? 0 : 2;
    else {
      stderr += `${formatError(e)}\n`;
      exitCode = exitCodeFor(e);
    }
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.chdir(before);
    process.exitCode = savedExitCode;
    Error.prepareStackTrace = savedPrepare;
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { stdout, stderr, exitCode };
}

/**
 * `runCli` with what `xorq()` of test/helpers/project.ts gives a spawned CLI (its own
 * cache directory under `cwd`, CI=1) and its result shape, so a test can switch between
 * the two by name.
 */
export async function xorqInProcess(
  cwd: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(args, cwd, { XORQ_CACHE_DIR: join(cwd, ".xorq-cache"), CI: "1", ...env });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
