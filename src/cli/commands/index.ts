/**
 * Every CLI command module, in the order `xorq --help` lists them. A command module
 * exports `register(program)` and keeps its logic in the library.
 */
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

/**
 * Each command's module, imported only when it runs: `xorq ls` does not load the
 * engines, Arrow or git that `xorq run` and `xorq catalog` need.
 */
export const commands: Readonly<Record<string, () => Promise<{ register: RegisterCommand }>>> = {
  init: () => import("./init.js"),
  build: () => import("./build.js"),
  run: () => import("./run.js"),
  retry: () => import("./retry.js"),
  test: () => import("./test.js"),
  env: () => import("./env.js"),
  show: () => import("./show.js"),
  plan: () => import("./plan.js"),
  ls: () => import("./ls.js"),
  lineage: () => import("./lineage.js"),
  catalog: () => import("./catalog.js"),
  cache: () => import("./cache.js"),
  docs: () => import("./docs.js"),
};

/** The commands to register for `argv`: none for --version, the one it names, or all (for help and errors). */
export async function commandsFor(argv: ReadonlyArray<string>): Promise<RegisterCommand[]> {
  const named = argv[2];
  if (named === "--version" || named === "-V") return [];
  const chosen = named !== undefined && Object.hasOwn(commands, named) ? [commands[named]!] : Object.values(commands);
  return (await Promise.all(chosen.map((load) => load()))).map((m) => m.register);
}
