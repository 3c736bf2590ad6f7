/** `--env E` of the commands that read or write environments (run, show, env). */
import { PROD } from "../materialize/relation-names.js";
import { NAME } from "../project/model-kinds/model-kind.js";
import type { ProjectConfig } from "../project/project-spec.js";
import { UsageError } from "./errors.js";

/** An environment name as given, checked: it becomes part of schema names. */
export function checkEnvironment(name: string, what = "environment"): string {
  if (!NAME.test(name)) throw new UsageError(`${what} '${name}' must be letters, digits and '_' (not starting with a digit)`);
  return name;
}

/** The environment of `--env`, else project.yaml's `env:`, else prod. */
export function environmentOf(option: string | undefined, config: ProjectConfig): string {
  return option === undefined ? config.env ?? PROD : checkEnvironment(option, "--env");
}
