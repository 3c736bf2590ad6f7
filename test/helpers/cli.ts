/**
 * Runs the `xorq` command line in-process (the same commander program as
 * src/cli/main.ts), capturing what it prints and the exit code it would exit with.
 */
import { Command } from "commander";
import { commandsFor } from "../../src/cli/commands/index.js";
import { exitCodeFor, formatError } from "../../src/cli/errors.js";

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export async function runCli(args: ReadonlyArray<string>, cwd?: string): Promise<CliResult> {
  const program = new Command("xorq").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  for (const register of await commandsFor(["node", "xorq", ...args])) register(program);
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const before = process.cwd();
  const savedExitCode = process.exitCode;
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
  }
  return { stdout, stderr, exitCode };
}
