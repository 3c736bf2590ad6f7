/**
 * `xorq catalog <sub>`: the git-backed catalog of build artifacts (SPEC "Catalog").
 * Each subcommand is one library call (src/catalog) and prints its result; `--json`
 * prints it as data.
 */
import type { Command } from "commander";
import { type AddResult, Catalog, type CatalogEntry } from "../../catalog/catalog.js";
import type { PullResult } from "../../catalog/catalog-sync.js";
import { catalogDir } from "../../catalog/target-resolver.js";
import { findProject } from "../../project/loading/project-loader.js";
import { UsageError } from "../errors.js";

interface CatalogOptions {
  readonly catalog?: string;
  readonly project?: string;
  readonly json?: boolean;
}

async function locate(options: CatalogOptions): Promise<string> {
  const project = await findProject(options.project ?? process.cwd());
  return catalogDir({ catalog: options.catalog, projectRoot: project?.root ?? null });
}

async function open(options: CatalogOptions): Promise<Catalog> {
  return Catalog.open(await locate(options));
}

function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Rows as aligned columns (the last column is not padded). */
function columns(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

function prefer(value: string | undefined): "local" | "remote" {
  if (value === undefined || value === "local" || value === "remote") return value ?? "local";
  throw new UsageError(`--prefer takes 'local' or 'remote', got '${value}'`);
}

function describePull(result: PullResult, side: "local" | "remote"): string[] {
  const lines: string[] = [];
  switch (result.status) {
    case "up-to-date": lines.push("already up to date"); break;
    case "fast-forward": lines.push(`updated to ${result.commit?.slice(0, 12)}`); break;
    case "merged": lines.push(`merged remote changes (${result.commit?.slice(0, 12)})`); break;
    case "no-remote-branch": lines.push("the remote holds no catalog yet (push to publish this one)"); break;
  }
  for (const c of result.aliasConflicts) {
    const other = c.keptSide === "local" ? "remote" : "local";
    lines.push(`conflict: alias ${c.alias} moved on both sides; kept the ${c.keptSide} ${c.kept ?? "(removed)"}, the ${other} ${c.dropped ?? "(removed)"} stays in its history (xorq catalog log ${c.alias})`);
  }
  for (const f of result.fileConflicts) lines.push(`conflict: ${f} changed on both sides; kept the ${side} version`);
  for (const h of result.restored) lines.push(`restored entry ${h}: an alias points to it, the other side had removed it`);
  return lines;
}

function entryJson(e: CatalogEntry) {
  return { hash: e.hash, full_hash: e.fullHash, model: e.model, aliases: e.aliases, path: e.path, has_result: e.resultPath !== null, added_by: e.addedBy };
}

/** What `catalog add` and `catalog compose` did. */
function printAdded(r: AddResult): void {
  const model = r.model ? ` (model ${r.model})` : "";
  const imports = r.imported.length > 0 ? ` with the ${r.imported.length} artifact${r.imported.length === 1 ? "" : "s"} it imports` : "";
  print(r.added ? `added ${r.hash}${model}${imports}` : r.updated ? `updated ${r.hash}${model}: its files differed${imports}` : `${r.hash}${model} is already in the catalog`);
  if (r.alias) print(r.alias.changed ? `alias ${r.alias.name} -> ${r.hash}${r.alias.previous ? ` (was ${r.alias.previous})` : ""}` : `alias ${r.alias.name} already points to ${r.hash}`);
}

export function register(program: Command): void {
  const catalog = program
    .command("catalog")
    .description("the git-backed catalog of build artifacts: entries by hash, aliases, history, push/pull")
    .option("--catalog <dir>", "the catalog directory (default: $XORQ_CATALOG, else catalog/ at the project root)")
    .option("--project <dir>", "the project whose catalog/ to use (default: found from the working directory)");

  catalog
    .command("init")
    .description("create a catalog (or clone the one a remote holds); on an existing catalog, set its remote")
    .option("--remote <url>", "a git remote (any URL git accepts, a local bare repository included)")
    .action(async (opts: { remote?: string }, cmd: Command) => {
      const dir = await locate(cmd.optsWithGlobals());
      const r = await Catalog.init(dir, { remote: opts.remote });
      if (r.cloned) print(`cloned the catalog from ${r.remote} into ${r.catalog.dir}`);
      else if (r.created) print(`created a catalog at ${r.catalog.dir}${r.remote ? ` (remote ${r.remote})` : ""}`);
      else print(`a catalog already exists at ${r.catalog.dir}${r.remote ? ` (remote ${r.remote})` : ""}`);
    });

  catalog
    .command("add")
    .description("add a build artifact (builds/<hash>) with copies of the local files it reads; adding the same files again is a no-op, other files under the same hash update the entry")
    .argument("<build>", "a build directory")
    .option("--alias <name>", "also point this alias at it")
    .option("--no-relocate-reads", "copy the artifact as it is, without the files it reads")
    .action(async (build: string, opts: { alias?: string; relocateReads: boolean }, cmd: Command) => {
      printAdded(await (await open(cmd.optsWithGlobals())).add(build, { alias: opts.alias, relocateReads: opts.relocateReads }));
    });

  catalog
    .command("compose")
    .description("add a new entry made of existing ones: FILE.ts's default export is a function of their expressions (in the order given) returning the new expression")
    .argument("<refs...>", "the entries (aliases or hashes) the function takes")
    .requiredOption("--code <file>", "a TypeScript module whose default export composes the entries")
    .requiredOption("--alias <name>", "the new entry's alias")
    .option("--name <model>", "the new entry's model name (default: the alias)")
    .action(async (refs: string[], opts: { code: string; alias: string; name?: string }, cmd: Command) => {
      const catalog = await open(cmd.optsWithGlobals());
      try {
        printAdded(await catalog.compose(refs, opts.code, { alias: opts.alias, ...(opts.name === undefined ? {} : { name: opts.name }) }));
      } finally {
        await catalog.close();
      }
    });

  catalog
    .command("alias")
    .description("point an alias at an entry; the old target stays in the alias's history")
    .argument("<name>", "the alias")
    .argument("<hash>", "a hash (prefix) or another alias")
    .action(async (name: string, ref: string, _opts: unknown, cmd: Command) => {
      const r = await (await open(cmd.optsWithGlobals())).setAlias(name, ref);
      print(r.changed ? `alias ${name} -> ${r.hash}${r.previous ? ` (was ${r.previous})` : ""}` : `alias ${name} already points to ${r.hash}`);
    });

  catalog
    .command("rm")
    .description("remove an alias, or an entry (by hash) with every alias pointing to it")
    .argument("<ref>", "an alias or a hash (prefix)")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const r = await (await open(cmd.optsWithGlobals())).remove(ref);
      if (r.removed === "alias") print(`removed alias ${r.aliases[0]} (was ${r.hash})`);
      else print(`removed ${r.hash}${r.aliases.length > 0 ? ` and its aliases ${r.aliases.join(", ")}` : ""}`);
    });

  catalog
    .command("ls")
    .description("the entries: hash, model, aliases, stored result, the commit that added them")
    .option("--json", "print JSON")
    .action(async (_opts: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<CatalogOptions>();
      const entries = await (await open(options)).entries();
      if (options.json) return printJson(entries.map(entryJson));
      if (entries.length === 0) return print("the catalog is empty");
      print(columns([
        ["HASH", "MODEL", "ALIASES", "RESULT", "ADDED BY"],
        ...entries.map((e) => [e.hash, e.model ?? "-", e.aliases.join(",") || "-", e.resultPath ? "yes" : "-", e.addedBy ? `${e.addedBy.commit} ${e.addedBy.date} ${e.addedBy.author}` : "-"]),
      ]));
    });

  catalog
    .command("search")
    .description("entries matching every criterion: TEXT (in hash, model, aliases, description, tags, columns), --column, --model, --tag")
    .argument("[text]", "case-insensitive text to look for")
    .option("--column <name>", "a column of the result")
    .option("--model <name>", "the model name")
    .option("--tag <tag>", "a tag the entry was built with")
    .option("--json", "print JSON")
    .action(async (text: string | undefined, opts: { column?: string; model?: string; tag?: string }, cmd: Command) => {
      const options = cmd.optsWithGlobals<CatalogOptions>();
      const hits = await (await open(options)).search({ text, column: opts.column, model: opts.model, tag: opts.tag });
      if (options.json) return printJson(hits.map((h) => ({ ...entryJson(h), schema: h.schema, tags: h.tags, description: h.description })));
      if (hits.length === 0) return print("no entry matches");
      print(columns([
        ["HASH", "MODEL", "ALIASES", "COLUMNS"],
        ...hits.map((h) => [h.hash, h.model ?? "-", h.aliases.join(",") || "-", h.schema.map((f) => f.name).join(",")]),
      ]));
    });

  catalog
    .command("list-aliases")
    .description("every alias and the entry it points to")
    .option("--json", "print JSON")
    .action(async (_opts: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<CatalogOptions>();
      const cat = await open(options);
      const aliases = cat.aliases();
      if (options.json) return printJson(aliases);
      if (aliases.length === 0) return print("no aliases");
      const models = new Map((await cat.entries()).map((e) => [e.hash, e.model]));
      print(columns([["ALIAS", "HASH", "MODEL"], ...aliases.map((a) => [a.name, a.hash, models.get(a.hash) ?? "-"])]));
    });

  catalog
    .command("show")
    .description("an entry by alias or hash: metadata, aliases, files")
    .argument("<ref>", "an alias or a hash (prefix)")
    .option("--json", "print JSON")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<CatalogOptions>();
      const e = await (await open(options)).show(ref);
      if (options.json) return printJson({ ...entryJson(e), metadata: e.metadata, files: e.files });
      print([
        `hash:     ${e.hash}${e.fullHash !== e.hash ? ` (${e.fullHash})` : ""}`,
        `model:    ${e.model ?? "-"}`,
        `aliases:  ${e.aliases.join(", ") || "-"}`,
        `result:   ${e.resultPath ?? "-"}`,
        `added by: ${e.addedBy ? `${e.addedBy.commit} ${e.addedBy.date} ${e.addedBy.author}: ${e.addedBy.message}` : "-"}`,
        `path:     ${e.path}`,
        `files:    ${e.files.join(", ")}`,
        "metadata:",
        ...JSON.stringify(e.metadata, null, 2).split("\n").map((l) => `  ${l}`),
      ].join("\n"));
    });

  catalog
    .command("log")
    .description("the catalog's history, or an alias's: which hash when")
    .argument("[alias]", "an alias")
    .option("--json", "print JSON")
    .action(async (alias: string | undefined, _opts: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<CatalogOptions>();
      const cat = await open(options);
      if (alias === undefined) {
        const log = await cat.log();
        if (options.json) return printJson(log);
        return print(columns(log.map((c) => [c.commit, c.date, c.author, c.message])));
      }
      const log = await cat.aliasLog(alias);
      if (options.json) return printJson(log);
      print(columns([["DATE", "HASH", "COMMIT", "AUTHOR", "MESSAGE"], ...log.map((r) => [r.date, r.hash ?? "(removed)", r.commit, r.author, r.message])]));
    });

  catalog
    .command("push")
    .description("push to the remote; when it moved meanwhile, pull and push again")
    .option("--prefer <side>", "when pulling: which side wins a conflicting alias move, local or remote", "local")
    .action(async (opts: { prefer?: string }, cmd: Command) => {
      const side = prefer(opts.prefer);
      const r = await (await open(cmd.optsWithGlobals())).push({ prefer: side });
      for (const p of r.pulls) print(["the remote had moved; pulled:", ...describePull(p, side).map((l) => `  ${l}`)].join("\n"));
      print(`pushed ${r.commit?.slice(0, 12)}${r.attempts > 1 ? ` (after ${r.attempts - 1} retry)` : ""}`);
    });

  catalog
    .command("pull")
    .description("fetch the remote and merge it; conflicting alias moves are resolved and reported")
    .option("--prefer <side>", "which side wins a conflicting alias move: local or remote", "local")
    .action(async (opts: { prefer?: string }, cmd: Command) => {
      const side = prefer(opts.prefer);
      const r = await (await open(cmd.optsWithGlobals())).pull({ prefer: side });
      print(describePull(r, side).join("\n"));
    });

  catalog
    .command("find")
    .description("is this expression already in the catalog? (exit code 1 when not)")
    .argument("<hash>", "a full or short hash, or a prefix")
    .option("--json", "print JSON")
    .action(async (hash: string, _opts: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<CatalogOptions>();
      const e = await (await open(options)).find(hash, { history: true });
      if (options.json) print(JSON.stringify(e ? entryJson(e) : null));
      else if (e) print(`${e.hash}${e.model ? ` (model ${e.model})` : ""}${e.aliases.length ? ` aliases ${e.aliases.join(", ")}` : ""}${e.resultPath ? ", result stored" : ""}: ${e.path}`);
      else process.stderr.write(`${hash} is not in the catalog\n`);
      if (!e) process.exitCode = 1;
    });
}
