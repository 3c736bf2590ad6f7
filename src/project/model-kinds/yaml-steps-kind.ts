/**
 * The YAML model kind: `from:` plus `steps:` (calls on the Table API, `yaml-steps.ts`).
 * A YAML file with `sql:` instead declares a SQL model (`sql-kind.ts`). Its definition
 * hash covers `from` and the steps, which are everything its expression is a function of
 * besides its key's other parts, so the resolve cache may always serve it.
 */
import { sha256, stableStringify } from "../../expr/canonical.js";
import type { Table } from "../../expr/table.js";
import { CacheConfigError } from "../../cache/cache-policies.js";
import { type FileReader, type Obj, asObj, readYaml } from "../loading/file-reader.js";
import type { InputUse, ModelSpecBase, SpecPos } from "../project-spec.js";
import { keyPos } from "../project-spec.js";
import { type ModelKind, checkModelName, commonConfig } from "./model-kind.js";
import { inlineSqlSpec } from "./sql-kind.js";
import { StepError, type StepEnv, applySteps, hopTo, parseInputRef, stepInputs } from "./yaml-steps.js";

export interface YamlStepsModelSpec extends ModelSpecBase {
  readonly kind: "yaml";
  readonly from: { readonly kind: "ref" | "source"; readonly name: string };
  readonly steps: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export const YAML_STEPS_KIND: ModelKind<YamlStepsModelSpec> = {
  extensions: [".yaml", ".yml"],
  serial: false,
  parse(f, reader) {
    const parsed = readYaml(reader, f.path, "model");
    if (!parsed || parsed.data === null) return null;
    const v = asObj(parsed.data);
    const keys = { file: f.file, yaml: [] };
    const name = v["name"] === undefined ? f.defaultName : String(v["name"]);
    const at: SpecPos = { file: f.file, yaml: v["name"] === undefined ? [] : ["name"] };
    checkModelName(reader, name, at);
    const base = { name, file: f.projectFile, ...commonConfig(v), at, keys };
    if (typeof v["sql"] === "string") return inlineSqlSpec(base, v["sql"], reader);
    return stepsSpec(base, v, reader);
  },
  resolve: resolveSteps,
  cacheable: () => true,
  // The declared profile wins; else the last into_backend step's, else where `from` runs
  // (joins and unions move their other tables into it).
  specProfile(spec, env) {
    if (spec.profile !== null) return spec.profile;
    const hops = spec.steps.filter((s) => "into_backend" in s);
    return hops.length > 0 ? String(hops[hops.length - 1]!["into_backend"]) : env.input(spec.from);
  },
};

function stepsSpec(base: Omit<YamlStepsModelSpec, "kind" | "from" | "steps" | "refs" | "sources" | "definitionHash">, v: Obj, reader: FileReader): YamlStepsModelSpec | null {
  const at = (path: ReadonlyArray<string | number>): SpecPos => ({ file: base.at.file, yaml: path });
  const from = parseInputRef(v["from"]);
  if (!from) {
    reader.problems.add(reader.positions.pos(at(["from"])), `from must be ref('model') or source('name'), got ${JSON.stringify(v["from"] ?? null)}`);
    return null;
  }
  const steps = (Array.isArray(v["steps"]) ? v["steps"] : []) as Obj[];
  const refs: InputUse[] = [];
  const sources: InputUse[] = [];
  const use = (r: { kind: "ref" | "source"; name: string }, path: ReadonlyArray<string | number>) => (r.kind === "ref" ? refs : sources).push({ name: r.name, at: at(path) });
  use(from, ["from"]);
  steps.forEach((step, i) => {
    for (const [path, target] of stepInputs(step)) {
      const r = parseInputRef(target);
      if (r) use(r, ["steps", i, ...path]);
      else reader.problems.add(reader.positions.pos(at(["steps", i, ...path])), `expected ref('model') or source('name'), got ${JSON.stringify(target)}`);
    }
  });
  return { ...base, kind: "yaml", from, steps, refs, sources, definitionHash: sha256(stableStringify({ from: v["from"], steps })) };
}

function resolveSteps(spec: YamlStepsModelSpec, env: Parameters<ModelKind<YamlStepsModelSpec>["resolve"]>[1]): Table | null {
  const { connections, positions } = env;
  const attempt = (origin: StepEnv["origin"]): Table => {
    let start = env.input(spec.from);
    if (env.declaredProfile !== null) start = hopTo(start, connections.get(env.declaredProfile));
    const stepEnv: StepEnv = {
      vars: env.vars,
      origin,
      input: (r) => env.input(r),
      backend: (name, path) => {
        if (!connections.has(name)) throw new StepError(path, `unknown profile '${name}' (profiles: ${connections.profiles.map((p) => p.name).join(", ")})`);
        return connections.get(name);
      },
      cache: (config, path) => {
        try {
          return env.cachePolicy(config);
        } catch (e) {
          throw new StepError(e instanceof CacheConfigError && e.field ? [...path, e.field] : path, (e as Error).message);
        }
      },
    };
    return applySteps(start, spec.steps, stepEnv);
  };
  const file = spec.at.file;
  try {
    // Positions of expression strings cost a second YAML parse: only an error pays for them.
    return attempt(() => ({ file }));
  } catch {
    try {
      attempt((path) => positions.origin({ file, yaml: path }));
      env.problems.add(positions.pos(spec.at), "model failed to build, then succeeded when built again (please report this)");
    } catch (e) {
      if (e instanceof StepError) env.problems.add(positions.pos(keyPos(spec, e.path)), e.message);
      else env.report(e, positions.pos(spec.at));
    }
    return null;
  }
}
