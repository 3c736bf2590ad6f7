/**
 * The catalog: a git repository of build artifacts by hash, with aliases (SPEC
 * "Catalog"). Every change is one commit whose message says what happened; history,
 * versioning and collaboration come from git (see `catalog-sync.ts` for push/pull).
 *
 * ```ts
 * const catalog = await Catalog.init("catalog");
 * await catalog.add("builds/3f2a9c1b7d4e", { alias: "sales-summary" });
 * await catalog.resolve("sales-summary");   // { hash: "3f2a9c1b7d4e", alias: "sales-summary" }
 * await catalog.push();
 * ```
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { artifactImports, importClosure, importDir } from "../artifacts/artifact-graph.js";
import { findProject } from "../project/loading/project-loader.js";
import type { Table } from "../expr/table.js";
import { type ArtifactInfo, readArtifactInfo } from "./artifact-info.js";
import type { ComposeOptions } from "./catalog-compose.js";
import type { AddExprOptions, CatalogExpr, EntryEngines, GetOptions } from "./catalog-exprs.js";
import type { SearchHit, SearchQuery } from "./catalog-search.js";
import { CatalogError } from "./catalog-error.js";
import { CatalogGit } from "./catalog-git.js";
import { withCatalogLock } from "./catalog-lock.js";
import {
  ALIASES_DIR,
  BRANCH,
  ENTRIES_DIR,
  ENTRY_HASH,
  MARKER_CONTENT,
  MARKER_FILE,
  README_CONTENT,
  README_FILE,
  REMOTE,
  RESULT_FILE,
  RESULT_SIGNALS_FILE,
  aliasPath,
  checkAliasName,
  entryPath,
} from "./catalog-layout.js";
import { type PullOptions, type PullResult, type PushResult, fetchRemote, pullCatalog, pushCatalog, remoteHasBranch } from "./catalog-sync.js";

export interface CommitInfo {
  readonly commit: string;
  readonly date: string;
  readonly author: string;
  readonly message: string;
}

export interface CatalogEntry {
  readonly hash: string;
  readonly fullHash: string;
  readonly model: string | null;
  /** The entry's directory (absolute). */
  readonly path: string;
  readonly aliases: ReadonlyArray<string>;
  /** `result.parquet` when a result was stored, else null. */
  readonly resultPath: string | null;
  /** The commit that first added the entry. */
  readonly addedBy: CommitInfo | null;
}

export interface AliasInfo {
  readonly name: string;
  readonly hash: string;
}

export interface AliasLogRecord extends CommitInfo {
  /** The hash the alias pointed to after this commit; null when the commit removed it. */
  readonly hash: string | null;
}

export interface InitResult {
  readonly catalog: Catalog;
  readonly created: boolean;
  /** True when the catalog was cloned from a remote that already held one. */
  readonly cloned: boolean;
  readonly remote: string | null;
}

export interface AddOptions {
  readonly alias?: string;
  /** Copy the local files the expression reads into the entry (default true). */
  readonly relocateReads?: boolean;
  /** Where the artifact's relative read paths resolve (default: its project's xorq_project/, else the working directory). */
  readonly baseDir?: string;
}

export interface AddResult {
  readonly hash: string;
  readonly model: string | null;
  /** False when the entry was already there. */
  readonly added: boolean;
  /** True when the entry was there with other files (e.g. without its reads), and was replaced. */
  readonly updated: boolean;
  /** The artifacts it imports that were added with it (entries of their own), sorted. */
  readonly imported: ReadonlyArray<string>;
  readonly alias: AliasResult | null;
  readonly commit: string | null;
}

export interface AliasResult {
  readonly name: string;
  readonly hash: string;
  readonly previous: string | null;
  /** False when the alias already pointed there. */
  readonly changed: boolean;
  readonly commit: string | null;
}

export interface RemoveResult {
  readonly removed: "entry" | "alias";
  readonly hash: string;
  /** The aliases removed with it (for an entry: every alias that pointed to it). */
  readonly aliases: ReadonlyArray<string>;
  readonly commit: string;
}

/** One queue per catalog directory, so concurrent calls in a process (parallel runs) do not race on git's index. */
const queues = new Map<string, Promise<unknown>>();

export class Catalog {
  readonly dir: string;
  readonly git: CatalogGit;
  /** The engines of the entries `get` opened, shared by profile. */
  #engines: EntryEngines | null = null;

  private constructor(dir: string, git: CatalogGit) {
    this.dir = dir;
    this.git = git;
  }

  /** Opens an existing catalog. */
  static async open(dir: string): Promise<Catalog> {
    const abs = resolve(dir);
    if (!isCatalog(abs)) {
      throw new CatalogError(`no catalog at ${abs}: create one with 'xorq catalog init' (or choose another with --catalog DIR / XORQ_CATALOG)`);
    }
    return new Catalog(abs, await CatalogGit.open(abs));
  }

  /**
   * Creates a catalog at `dir`, or clones the one `remote` holds. On an existing catalog
   * it only sets the remote (when given). Built in a temporary directory and renamed,
   * so a failure (an unreachable remote) leaves nothing behind.
   */
  static async init(dir: string, options: { remote?: string } = {}): Promise<InitResult> {
    const abs = resolve(dir);
    if (isCatalog(abs)) {
      const catalog = await Catalog.open(abs);
      if (options.remote !== undefined) await catalog.setRemote(options.remote);
      return { catalog, created: false, cloned: false, remote: await catalog.git.remoteUrl(REMOTE) };
    }
    if (existsSync(abs) && readdirSync(abs).length > 0) {
      throw new CatalogError(`${abs} exists and is not a catalog; choose an empty or new directory`);
    }
    mkdirSync(dirname(abs), { recursive: true });
    const tmp = `${abs}.tmp-${process.pid}-${Date.now()}`;
    mkdirSync(tmp);
    let cloned = false;
    try {
      const git = await CatalogGit.open(tmp);
      await git.run(["init", "-b", BRANCH]);
      if (options.remote !== undefined) {
        await git.run(["remote", "add", REMOTE, options.remote]);
        await fetchRemote(git, options.remote);
        if (await remoteHasBranch(git)) {
          await git.run(["checkout", "-B", BRANCH, "--track", `${REMOTE}/${BRANCH}`]);
          if (!existsSync(join(tmp, MARKER_FILE))) {
            throw new CatalogError(`the remote ${options.remote} holds a branch '${BRANCH}' that is not an xorq catalog (no ${MARKER_FILE})`);
          }
          cloned = true;
        }
      }
      if (!cloned) {
        writeFileSync(join(tmp, README_FILE), README_CONTENT);
        writeFileSync(join(tmp, MARKER_FILE), MARKER_CONTENT);
        await git.commit("init catalog", [README_FILE, MARKER_FILE]);
      }
      if (existsSync(abs)) rmSync(abs, { recursive: true });
      renameSync(tmp, abs);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const catalog = await Catalog.open(abs);
    return { catalog, created: true, cloned, remote: options.remote ?? null };
  }

  /** Sets (or changes) the remote `origin`. */
  async setRemote(url: string): Promise<void> {
    await this.#exclusive(async () => {
      const current = await this.git.remoteUrl(REMOTE);
      if (current === url) return;
      await this.git.run(current === null ? ["remote", "add", REMOTE, url] : ["remote", "set-url", REMOTE, url]);
    });
  }

  // ---- reading ----------------------------------------------------------------

  /** Every alias and the hash it points to, sorted by name. */
  aliases(): AliasInfo[] {
    const dir = join(this.dir, ALIASES_DIR);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => !name.startsWith("."))
      .sort()
      .map((name) => ({ name, hash: readFileSync(join(dir, name), "utf8").trim() }));
  }

  /** Every entry, sorted by hash, with its model, aliases and the commit that added it. */
  async entries(): Promise<CatalogEntry[]> {
    const hashes = this.#entryHashes();
    const added = await this.#addedBy();
    const aliases = this.aliases();
    return hashes.map((hash) => this.#entry(hash, aliases, added.get(hash) ?? null));
  }

  /** Resolves an alias (first) or a hash prefix (4+ hex digits) to an entry's hash. */
  resolve(ref: string): { hash: string; alias: string | null } {
    const alias = this.aliases().find((a) => a.name === ref);
    if (alias) {
      if (!existsSync(join(this.dir, entryPath(alias.hash)))) {
        throw new CatalogError(`alias '${ref}' points to ${alias.hash}, which is not in the catalog`);
      }
      return { hash: alias.hash, alias: alias.name };
    }
    const hash = this.#matchHash(ref);
    if (hash === null) {
      const known = this.aliases().map((a) => a.name);
      throw new CatalogError(
        `unknown alias or hash '${ref}' in the catalog at ${this.dir}` +
          (known.length > 0 ? ` (aliases: ${known.join(", ")})` : " (it has no aliases)"),
      );
    }
    return { hash, alias: null };
  }

  /**
   * Is this expression in the catalog? Takes a full content hash, a short hash or a
   * prefix (4+ hex digits); null when absent. Reads files only (it is asked before
   * every computation); `history: true` also fills `addedBy`, which costs a `git log`.
   */
  async find(hash: string, options: { history?: boolean } = {}): Promise<CatalogEntry | null> {
    const match = this.#matchHash(hash);
    if (match === null) return null;
    const entry = this.#entry(match, this.aliases(), null);
    // A full hash must agree with the one the entry records, not only its first 12 digits.
    if (hash.length > 12 && entry.fullHash.length > 12 && entry.fullHash !== hash) return null;
    return options.history ? { ...entry, addedBy: (await this.#addedBy()).get(match) ?? null } : entry;
  }

  /** An entry by alias or hash, with its metadata and files. */
  async show(ref: string): Promise<CatalogEntry & { readonly metadata: Readonly<Record<string, unknown>>; readonly files: ReadonlyArray<string> }> {
    const { hash } = this.resolve(ref);
    const entry = this.#entry(hash, this.aliases(), (await this.#addedBy()).get(hash) ?? null);
    const info = readArtifactInfo(entry.path);
    return { ...entry, metadata: info.metadata, files: listFiles(entry.path) };
  }

  /**
   * The history of an alias (which hash, when, by whom), newest first: every commit that
   * moved it, on either side of a merge. A merge is listed only when it changed the
   * alias for this line of history (a conflict resolved in the remote's favour).
   */
  async aliasLog(name: string): Promise<AliasLogRecord[]> {
    checkAliasName(name);
    const file = aliasPath(name);
    if ((await this.git.head()) === null) return [];
    const out = await this.git.run(["log", "--full-history", `--format=%P%x1f${LOG_FORMAT}`, "--", file]);
    const records: AliasLogRecord[] = [];
    const valueAt = async (rev: string) => {
      const content = await this.git.tryRun(["show", `${rev}:${file}`]);
      return content === null ? null : content.trim();
    };
    for (const line of out.split("\n").filter((l) => l.trim() !== "")) {
      const sep = line.indexOf("\x1f");
      const parents = line.slice(0, sep).split(" ").filter((p) => p !== "");
      const commit = parseCommit(line.slice(sep + 1));
      const hash = await valueAt(commit.commit);
      if (parents.length > 1 && (await valueAt(parents[0]!)) === hash) continue;
      records.push({ ...commit, hash });
    }
    if (records.length === 0) throw new CatalogError(`unknown alias '${name}': it has no history in the catalog at ${this.dir}`);
    return records;
  }

  /** The catalog's history, newest first. */
  log(): Promise<CommitInfo[]> {
    return this.#log([]);
  }

  // ---- changing -----------------------------------------------------------------

  /**
   * Adds a build artifact (a copy of the directory), optionally with an alias, in one
   * commit. The copy carries the local files the expression reads (`reads/`, relative
   * paths against `baseDir`, default: the build's project's xorq_project/, else the
   * working directory), as Xorq does since its #2070, so an entry runs on any machine;
   * `relocateReads: false` copies the artifact as it is.
   *
   * An entry already there under the hash is kept when its files are the ones the
   * add would write; otherwise (its reads were not carried, or the data they carry
   * changed) its artifact files are replaced in one commit (a stored result stays: the
   * change signals it records say whether it is still fresh). The alias moves either way.
   *
   * `source` is a build directory, or an expression (written as a build first, see
   * `catalog-exprs.ts`; `name` is its model name).
   *
   * The artifacts it imports (siblings of the build directory, see `artifact-graph.ts`) are
   * added with it, each as an entry of its own, in the same commit, so every entry
   * runs from the catalog alone. An entry present has its imports present (`remove`
   * refuses to break that), so the walk stops at entries the catalog holds.
   */
  add(source: string | Table, options: AddOptions & Omit<AddExprOptions, keyof AddOptions> = {}): Promise<AddResult> {
    if (typeof source !== "string") return import("./catalog-exprs.js").then((m) => m.addCatalogExpr(this, source, options));
    const buildDir = source;
    return this.#exclusive(async () => {
      const info = readArtifactInfo(buildDir);
      if (options.alias !== undefined) checkAliasName(options.alias);
      await this.#ensureClean();
      const has = (hash: string) => existsSync(join(this.dir, entryPath(hash)));
      const imported = importClosure(buildDir, has);
      const sources = new Map([[info.hash, buildDir], ...imported.map((h) => [h, importDir(buildDir, h)] as const)]);
      for (const [h, dir] of sources) if (h !== info.hash) readArtifactInfo(dir);
      const baseDir = options.baseDir ?? (await findProject(dirname(resolve(buildDir))))?.projectDir ?? process.cwd();
      // Copied (and relocated) under hidden temporary names first, renamed once all copies succeeded.
      const staged = new Map<string, string>();
      const discard = () => {
        for (const tmp of staged.values()) rmSync(tmp, { recursive: true, force: true });
      };
      try {
        for (const [h, dir] of sources) {
          const tmp = join(this.dir, ENTRIES_DIR, `.${h}.tmp`);
          rmSync(tmp, { recursive: true, force: true });
          mkdirSync(dirname(tmp), { recursive: true });
          staged.set(h, tmp);
          cpSync(dir, tmp, { recursive: true });
          for (const f of RESULT_FILES) rmSync(join(tmp, f), { force: true });
          // Imported here: the writer (and what it loads) is needed only when adding.
          if (options.relocateReads !== false) {
            try {
              await (await import("../artifacts/artifact-writer.js")).relocateReadsIn(tmp, baseDir);
            } catch (e) {
              throw new CatalogError(`${(e as Error).message} (to add the artifact without the files it reads: catalog add --no-relocate-reads)`);
            }
          }
        }
      } catch (e) {
        discard();
        throw e;
      }
      const existing = has(info.hash) ? changedFiles(join(this.dir, entryPath(info.hash)), staged.get(info.hash)!) : null;
      if (existing !== null && existing.length === 0) {
        discard();
        const alias = options.alias === undefined ? null : await this.#moveAlias(options.alias, info.hash, info);
        return { hash: info.hash, model: info.model, added: false, updated: false, imported: [], alias, commit: alias?.commit ?? null };
      }
      if (existing !== null) {
        // Replaced in place: the artifact's files go, a stored result stays.
        const entry = join(this.dir, entryPath(info.hash));
        for (const f of readdirSync(entry)) if (!RESULT_FILES.includes(f)) rmSync(join(entry, f), { recursive: true, force: true });
        cpSync(staged.get(info.hash)!, entry, { recursive: true });
        rmSync(staged.get(info.hash)!, { recursive: true, force: true });
        staged.delete(info.hash);
      }
      for (const [h, tmp] of staged) renameSync(tmp, join(this.dir, entryPath(h)));
      const paths = [...sources.keys()].map(entryPath);
      let message = existing === null
        ? `add ${info.hash}${describeModel(info.model)}`
        : `update ${info.hash}${describeModel(info.model)}: ${existing.slice(0, 5).join(", ")}${existing.length > 5 ? `, ... (${existing.length} files)` : ""} differed`;
      if (imported.length > 0) message += ` with ${imported.length} imported artifact${imported.length === 1 ? "" : "s"}`;
      let alias: AliasResult | null = null;
      if (options.alias !== undefined) {
        const previous = this.#aliasTarget(options.alias);
        if (previous !== info.hash) {
          this.#writeAlias(options.alias, info.hash);
          paths.push(aliasPath(options.alias));
          message += previous === null ? `, alias ${options.alias}` : `, alias ${options.alias} (was ${previous})`;
        }
        alias = { name: options.alias, hash: info.hash, previous, changed: previous !== info.hash, commit: null };
      }
      const commit = await this.git.commit(message, paths);
      return { hash: info.hash, model: info.model, added: existing === null, updated: existing !== null, imported, alias: alias && { ...alias, commit }, commit };
    });
  }

  /**
   * An entry (alias or hash) as an expression: `(await catalog.get("sales")).expr()`
   * runs from the catalog alone and composes with other entries' expressions (see
   * `catalog-exprs.ts`). The engines it opens stay open until `close()`.
   */
  async get(ref: string, options: GetOptions = {}): Promise<CatalogExpr> {
    const { EntryEngines, openCatalogExpr } = await import("./catalog-exprs.js");
    this.#engines ??= new EntryEngines();
    return openCatalogExpr(this, ref, this.#engines, options);
  }

  /**
   * Adds the expression a TS module's default export makes of these entries' expressions
   * (see `catalog-compose.ts`), under `options.alias`.
   */
  async compose(refs: ReadonlyArray<string>, code: string, options: ComposeOptions): Promise<AddResult> {
    const { composeEntries } = await import("./catalog-compose.js");
    return composeEntries(this, refs, code, options);
  }

  /** The entries that match every criterion given (see `catalog-search.ts`). */
  async search(query: SearchQuery = {}): Promise<SearchHit[]> {
    const { searchCatalog } = await import("./catalog-search.js");
    return searchCatalog(this, query);
  }

  /** Closes the engines that `get` opened. */
  async close(): Promise<void> {
    const engines = this.#engines;
    this.#engines = null;
    await engines?.close();
  }

  /** Points an alias at an entry (by hash prefix or another alias); the old target stays in history. */
  setAlias(name: string, ref: string): Promise<AliasResult> {
    return this.#exclusive(async () => {
      checkAliasName(name);
      await this.#ensureClean();
      const { hash } = this.resolve(ref);
      return this.#moveAlias(name, hash, readArtifactInfo(join(this.dir, entryPath(hash))));
    });
  }

  /**
   * Removes an alias (by name), or an entry (by hash) together with every alias that
   * points to it, so no alias is left dangling.
   */
  remove(ref: string): Promise<RemoveResult> {
    return this.#exclusive(async () => {
      await this.#ensureClean();
      const { hash, alias } = this.resolve(ref);
      if (alias !== null) {
        rmSync(join(this.dir, aliasPath(alias)));
        const commit = await this.git.commit(`remove alias ${alias} (was ${hash})`, [aliasPath(alias)]);
        return { removed: "alias", hash, aliases: [alias], commit };
      }
      const info = readArtifactInfo(join(this.dir, entryPath(hash)));
      const importers = this.#importersOf(hash);
      if (importers.length > 0) {
        throw new CatalogError(`cannot remove ${hash}: the entries ${importers.join(", ")} import it (remove them first)`);
      }
      const aliases = this.aliases().filter((a) => a.hash === hash).map((a) => a.name);
      rmSync(join(this.dir, entryPath(hash)), { recursive: true });
      for (const a of aliases) rmSync(join(this.dir, aliasPath(a)));
      const message = `remove ${hash}${describeModel(info.model)}` + (aliases.length > 0 ? ` and its aliases ${aliases.join(", ")}` : "");
      const commit = await this.git.commit(message, [entryPath(hash), ...aliases.map(aliasPath)]);
      return { removed: "entry", hash, aliases, commit };
    });
  }

  /** Pushes to `origin`; a push rejected because the remote moved is retried after a pull. */
  push(options: PullOptions = {}): Promise<PushResult> {
    return this.#exclusive(async () => {
      await this.#ensureClean();
      return pushCatalog(this.git, options);
    });
  }

  /** Fetches `origin` and merges it; conflicting alias moves are resolved and reported (see `catalog-sync.ts`). */
  pull(options: PullOptions = {}): Promise<PullResult> {
    return this.#exclusive(async () => {
      await this.#ensureClean();
      return pullCatalog(this.git, options);
    });
  }

  /**
   * Writes files into an entry (a `null` writer removes the file) and commits them
   * together (used to store results). Each writer gets a temporary path in the entry's
   * directory; the files are renamed into place after every writer returned, so a
   * failure leaves the entry as it was.
   */
  async addEntryFiles(hash: string, files: Readonly<Record<string, ((tmpPath: string) => Promise<void>) | null>>, message: string): Promise<string> {
    return this.#exclusive(async () => {
      await this.#ensureClean();
      const dir = join(this.dir, entryPath(hash));
      if (!existsSync(dir)) throw new CatalogError(`${hash} is not in the catalog at ${this.dir}`);
      const names = Object.keys(files).sort();
      const written = names.filter((name) => files[name] !== null);
      const tmp = (name: string) => join(dir, `.${name}.tmp`);
      try {
        for (const name of written) await files[name]!(tmp(name));
        for (const name of names) {
          if (written.includes(name)) renameSync(tmp(name), join(dir, name));
          else rmSync(join(dir, name), { force: true });
        }
      } finally {
        for (const name of written) rmSync(tmp(name), { force: true });
      }
      // The entry was clean (checked above), so its directory holds exactly these changes.
      return this.git.commit(message, [entryPath(hash)]);
    });
  }

  // ---- internals ------------------------------------------------------------------

  /** In-process queue first (cheap), then the lock file that other processes respect. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(this.dir) ?? Promise.resolve();
    const locked = () => withCatalogLock(this.dir, fn);
    const next = previous.then(locked, locked);
    queues.set(this.dir, next.catch(() => undefined));
    return next;
  }

  async #ensureClean(): Promise<void> {
    this.#removeLeftovers();
    const dirty = await this.git.dirtyFiles();
    if (dirty.length > 0) {
      const shown = dirty.slice(0, 5).join(", ") + (dirty.length > 5 ? `, ... (${dirty.length} files)` : "");
      throw new CatalogError(
        `the catalog at ${this.dir} has uncommitted changes (${shown}); commit or discard them first (git -C ${this.dir} status)`,
      );
    }
  }

  /**
   * Temporary files this class writes (`entries/.<hash>.tmp`, `aliases/.<name>.tmp`,
   * `entries/<hash>/.<file>.tmp`: hidden names no alias or artifact file has) exist only
   * while the lock is held; one found under the lock was left by a process that died,
   * and is removed rather than reported as a change.
   */
  #removeLeftovers(): void {
    const entries = join(this.dir, ENTRIES_DIR);
    const aliases = join(this.dir, ALIASES_DIR);
    const tmp = (name: string) => name.startsWith(".") && name.endsWith(".tmp");
    if (existsSync(entries)) {
      for (const name of readdirSync(entries)) {
        const path = join(entries, name);
        if (tmp(name)) rmSync(path, { recursive: true, force: true });
        else if (ENTRY_HASH.test(name)) for (const f of readdirSync(path).filter(tmp)) rmSync(join(path, f), { force: true });
      }
    }
    if (existsSync(aliases)) for (const f of readdirSync(aliases).filter(tmp)) rmSync(join(aliases, f), { force: true });
  }

  async #moveAlias(name: string, hash: string, info: ArtifactInfo): Promise<AliasResult> {
    const previous = this.#aliasTarget(name);
    if (previous === hash) return { name, hash, previous, changed: false, commit: null };
    this.#writeAlias(name, hash);
    const message = previous === null
      ? `alias ${name} -> ${hash}${describeModel(info.model)}`
      : `alias ${name} -> ${hash}${describeModel(info.model)} (was ${previous})`;
    const commit = await this.git.commit(message, [aliasPath(name)]);
    return { name, hash, previous, changed: true, commit };
  }

  #aliasTarget(name: string): string | null {
    const file = join(this.dir, aliasPath(name));
    return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
  }

  #writeAlias(name: string, hash: string): void {
    mkdirSync(join(this.dir, ALIASES_DIR), { recursive: true });
    const tmp = join(this.dir, ALIASES_DIR, `.${name}.tmp`);
    writeFileSync(tmp, `${hash}\n`);
    renameSync(tmp, join(this.dir, aliasPath(name)));
  }

  /** The entries whose expr.yaml imports `hash`. */
  #importersOf(hash: string): string[] {
    return this.#entryHashes().filter((h) => {
      if (h === hash) return false;
      const dir = join(this.dir, entryPath(h));
      // Only entries that mention the hash at all are parsed.
      return readFileSync(join(dir, "expr.yaml"), "utf8").includes(hash) && artifactImports(dir).includes(hash);
    });
  }

  #entryHashes(): string[] {
    const dir = join(this.dir, ENTRIES_DIR);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((n) => ENTRY_HASH.test(n)).sort();
  }

  #matchHash(ref: string): string | null {
    const prefix = ref.toLowerCase();
    if (!/^[0-9a-f]{4,64}$/.test(prefix)) return null;
    const short = prefix.slice(0, 12);
    const matches = this.#entryHashes().filter((h) => h.startsWith(short));
    if (matches.length > 1) throw new CatalogError(`hash prefix '${ref}' is ambiguous: ${matches.join(", ")}`);
    return matches[0] ?? null;
  }

  #entry(hash: string, aliases: ReadonlyArray<AliasInfo>, addedBy: CommitInfo | null): CatalogEntry {
    const path = join(this.dir, entryPath(hash));
    const info = readArtifactInfo(path);
    const result = join(path, RESULT_FILE);
    return {
      hash,
      fullHash: info.fullHash,
      model: info.model,
      path,
      aliases: aliases.filter((a) => a.hash === hash).map((a) => a.name),
      resultPath: existsSync(result) ? result : null,
      addedBy,
    };
  }

  /** The first commit that added each entry, in one `git log`. */
  async #addedBy(): Promise<Map<string, CommitInfo>> {
    const out = await this.git.run(["log", "--full-history", "--diff-filter=A", `--format=%x1e${LOG_FORMAT}`, "--name-only", "--", ENTRIES_DIR]);
    const added = new Map<string, CommitInfo>();
    for (const block of out.split("\x1e").filter((b) => b.trim() !== "")) {
      const [header, ...files] = block.split("\n");
      const commit = parseCommit(header!);
      for (const f of files) {
        const m = /^entries\/([0-9a-f]{12})\/metadata\.json$/.exec(f.trim());
        // Newest first: the last commit seen for an entry is the one that first added it.
        if (m) added.set(m[1]!, commit);
      }
    }
    return added;
  }

  async #log(args: ReadonlyArray<string>): Promise<CommitInfo[]> {
    if ((await this.git.head()) === null) return [];
    const out = await this.git.run(["log", `--format=${LOG_FORMAT}`, ...args]);
    return out.split("\n").filter((l) => l.trim() !== "").map(parseCommit);
  }
}

const LOG_FORMAT = "%h%x1f%aI%x1f%an%x1f%s";

function parseCommit(line: string): CommitInfo {
  const [commit = "", date = "", author = "", message = ""] = line.split("\x1f");
  return { commit, date, author, message };
}

function describeModel(model: string | null): string {
  return model === null ? "" : ` (model ${model})`;
}

function isCatalog(dir: string): boolean {
  return existsSync(join(dir, ".git")) && existsSync(join(dir, MARKER_FILE));
}

/** The files of a stored result (never part of an artifact). */
const RESULT_FILES: ReadonlyArray<string> = [RESULT_FILE, RESULT_SIGNALS_FILE];

/** The artifact files that differ between an entry and a staged copy (added, removed or changed), sorted. */
function changedFiles(entry: string, staged: string): string[] {
  const ours = listFiles(entry).filter((f) => !RESULT_FILES.includes(f));
  const theirs = listFiles(staged);
  const all = [...new Set([...ours, ...theirs])].sort();
  return all.filter((f) => !ours.includes(f) || !theirs.includes(f) || !readFileSync(join(entry, f)).equals(readFileSync(join(staged, f))));
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out;
}
