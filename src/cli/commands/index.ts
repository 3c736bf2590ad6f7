/**
 * Every CLI command module, in the order `xorq --help` lists them. A command module
 * exports `register(program)` and keeps its logic in the library.
 */
import type { Command } from "commander";
import { register as build } from "./build.js";
import { register as cache } from "./cache.js";
import { register as catalog } from "./catalog.js";
import { register as init } from "./init.js";
import { register as lineage } from "./lineage.js";
import { register as ls } from "./ls.js";
import { register as plan } from "./plan.js";
import { register as run } from "./run.js";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [init, build, run, plan, ls, lineage, catalog, cache];
