/**
 * Every CLI command module, in the order `xorq --help` lists them. A command module
 * exports `register(program)` and keeps its logic in the library.
 */
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
