/** What a test reads besides its model: another resolved model or source of the project. */
import type { Table } from "../expr/table.js";
import type { Project } from "../project/project.js";

export interface InputRef {
  readonly kind: "ref" | "source";
  readonly name: string;
}

/** The resolved model (`ref`) or source of that name; throws when the project has none. */
export function projectInput(project: Project, ref: InputRef): Table {
  const found = ref.kind === "ref" ? project.models.get(ref.name) : project.sources.get(ref.name);
  if (!found) throw new Error(`${ref.kind}('${ref.name}'): no such ${ref.kind === "ref" ? "model" : "source"} in the project`);
  return found.table;
}
