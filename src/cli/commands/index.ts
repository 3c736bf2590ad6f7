/**
 * Every CLI command module, in the order `xorq --help` lists them. A command module
 * exports `register(program)` and keeps its logic in the library.
 */
import type { Command } from "commander";
import { register as catalog } from "./catalog.js";
import { register as lineage } from "./lineage.js";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [lineage, catalog];
