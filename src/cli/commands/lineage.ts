/**
 * `xorq lineage TARGET [--column C] [--json]`: the column lineage tree (SPEC "Lineage")
 * of a model of the project, a build directory, a build's hash (prefix) or a catalog
 * alias or hash.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CatalogError } from "../../catalog/catalog-error.js";
import { type TargetExpr, loadTargetExpr, resolveTarget } from "../../catalog/target-resolver.js";
import { nodeHash } from "../../expr/canonical.js";
import { columnLineage } from "../../lineage/column-lineage.js";
import { lineageToJson, renderLineageText } from "../../lineage/lineage-render.js";
import { type Project, loadProject } from "../../project/project.js";
import { findProject } from "../../project/loading/project-loader.js";

interface LineageCliOptions {
  readonly column?: string;
  readonly json?: boolean;
  readonly predicates?: boolean;
  readonly catalog?: string;
  readonly project?: string;
}

/** Model names are identifiers; anything else is a path, a hash or an alias. */
const MODEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A project model of that name first (when inside a project), then what `resolveTarget`
 * accepts. A broken project is reported only when the target is nothing else either.
 */
async function targetNode(target: string, options: LineageCliOptions): Promise<TargetExpr> {
  const cwd = process.cwd();
  const location = await findProject(options.project ?? cwd);
  let projectError: unknown = null;
  if (location && MODEL_NAME.test(target) && !existsSync(resolve(cwd, target))) {
    try {
      const project = await loadProject({ cwd, project: options.project });
      try {
        const model = project.models.get(target);
        if (model) return { node: model.table.node, models: projectModelNames(project) };
      } finally {
        await project.close();
      }
    } catch (e) {
      projectError = e;
    }
  }
  try {
    const resolved = await resolveTarget(target, { cwd, projectRoot: location?.root ?? null, catalog: options.catalog });
    return loadTargetExpr(resolved);
  } catch (e) {
    if (projectError !== null && e instanceof CatalogError) throw projectError;
    throw e;
  }
}

/** Every model's root hash -> its name: what lineage labels upstream SQL nodes with. */
function projectModelNames(project: Project): Map<string, string> {
  return new Map([...project.models].map(([name, m]) => [nodeHash(m.table.node), name]));
}

export function register(program: Command): void {
  program
    .command("lineage")
    .description("column lineage: how each output column is computed, down to its source columns")
    .argument("<target>", "a model, a build directory, a build hash (prefix) or a catalog alias")
    .option("--column <name>", "only this column")
    .option("--json", "print the trees as JSON")
    .option("--predicates", "also trace what chooses rows: filters, join keys, sort and group keys")
    .option("--catalog <dir>", "the catalog for aliases (default: $XORQ_CATALOG, else catalog/ at the project root)")
    .option("--project <dir>", "the project (default: found from the working directory)")
    .action(async (target: string, options: LineageCliOptions) => {
      const { node, models } = await targetNode(target, options);
      const trees = await columnLineage(node, { column: options.column, predicates: options.predicates ?? false, models });
      const text = options.json ? JSON.stringify(lineageToJson(trees), null, 2) : renderLineageText(trees);
      process.stdout.write(`${text}\n`);
    });
}
