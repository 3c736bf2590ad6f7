#!/usr/bin/env node
/**
 * The `xorq` command line: a thin shell over the library. Each command lives in
 * `commands/<name>.ts` and registers itself on the program; this file only wires them.
 */
import { Command } from "commander";
import { commandsFor } from "./commands/index.js";
import { exitCodeFor, formatError } from "./errors.js";

/**
 * A reader that goes away (`xorq ls | head`, `xorq run --json | head`) ends the output,
 * not the command: later writes to the closed pipe are dropped, and the command still
 * finishes its work (artifacts, stored results, output files) and exits as it would
 * have. Without a listener, Node turns the pipe's EPIPE into an uncaught exception.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
  });
}

const program = new Command("xorq")
  .description("Declarative, content-hashed, multi-engine data pipelines")
  .version(process.env.npm_package_version ?? "0.1.0")
  .showHelpAfterError()
  .exitOverride();

for (const register of await commandsFor(process.argv)) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as { code?: string; exitCode?: number };
  if (typeof err.code === "string" && err.code.startsWith("commander.")) {
    // commander already printed its message; help and version exit 0, usage errors 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(formatError(e) + "\n");
    process.exitCode = exitCodeFor(e);
  }
}
