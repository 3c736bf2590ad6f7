/**
 * Push and pull: collaboration through any git remote (a local bare repository too),
 * on branch `main` of `origin`.
 *
 * Pull fetches, then fast-forwards or merges. The layout keeps most concurrent work
 * conflict-free: entries live in directories named by hash (two people adding the same
 * expression add byte-identical files), aliases in one file each. What can conflict:
 *
 * * **the same alias moved on both sides**: the rule is *the local move wins* (it is the
 *   later one to reach the remote once pushed); `prefer: "remote"` keeps the remote's
 *   instead. The other value is never lost: it stays in the history (`xorq catalog log
 *   <alias>` lists both moves), the merge commit's message names it, and the pull result
 *   reports it.
 * * **an alias moved to an entry the other side removed**: the entry is restored, since
 *   an alias must point somewhere; reported as well.
 * * any other file changed on both sides (e.g. a result stored twice by different engine
 *   versions) takes the preferred side, and is reported.
 *
 * Push retries after a pull when the remote rejects it because it moved meanwhile.
 */
import { CatalogError } from "./catalog-error.js";
import type { CatalogGit } from "./catalog-git.js";
import { ALIASES_DIR, BRANCH, ENTRIES_DIR, REMOTE } from "./catalog-layout.js";

export interface PullOptions {
  /** Which side wins when both changed the same alias or file (default "local"). */
  readonly prefer?: "local" | "remote";
}

export interface AliasConflict {
  readonly alias: string;
  readonly kept: string | null;
  readonly dropped: string | null;
  readonly keptSide: "local" | "remote";
}

export interface PullResult {
  /** `no-remote-branch`: the remote is empty (nothing pushed yet). */
  readonly status: "up-to-date" | "fast-forward" | "merged" | "no-remote-branch";
  readonly commit: string | null;
  readonly aliasConflicts: ReadonlyArray<AliasConflict>;
  /** Other files changed on both sides, resolved to the preferred side. */
  readonly fileConflicts: ReadonlyArray<string>;
  /** Entries restored because an alias points to them and the other side removed them. */
  readonly restored: ReadonlyArray<string>;
}

export interface PushResult {
  readonly commit: string | null;
  /** How many push attempts it took (more than 1 when the remote had moved). */
  readonly attempts: number;
  /** The pulls made between attempts. */
  readonly pulls: ReadonlyArray<PullResult>;
}

const MAX_PUSH_ATTEMPTS = 3;

export async function requireRemote(git: CatalogGit): Promise<string> {
  const url = await git.remoteUrl(REMOTE);
  if (url === null) {
    throw new CatalogError(`the catalog at ${git.dir} has no remote: set one with 'xorq catalog init --remote URL'`);
  }
  return url;
}

export async function fetchRemote(git: CatalogGit, url: string): Promise<void> {
  try {
    await git.run(["fetch", "-q", REMOTE]);
  } catch (e) {
    throw new CatalogError(`cannot fetch the catalog remote ${url}: ${(e as Error).message}`, 1, { cause: e });
  }
}

export async function remoteHasBranch(git: CatalogGit): Promise<boolean> {
  return (await git.tryRun(["rev-parse", "--verify", "-q", `refs/remotes/${REMOTE}/${BRANCH}`])) !== null;
}

export async function pullCatalog(git: CatalogGit, options: PullOptions = {}): Promise<PullResult> {
  const url = await requireRemote(git);
  await fetchRemote(git, url);
  const none = { aliasConflicts: [], fileConflicts: [], restored: [] };
  if (!(await remoteHasBranch(git))) return { status: "no-remote-branch", commit: await git.head(), ...none };
  const local = await git.head();
  const remote = (await git.run(["rev-parse", `${REMOTE}/${BRANCH}`])).trim();
  // `merge-base --is-ancestor` answers by exit code alone (and simple-git waits on silent commands).
  const isAncestor = async (a: string, b: string) => (await git.tryRun(["merge-base", a, b]))?.trim() === a;
  if (local === remote || (local !== null && (await isAncestor(remote, local)))) {
    return { status: "up-to-date", commit: local, ...none };
  }
  if (local === null || (await isAncestor(local, remote))) {
    await git.run(["merge", "--ff-only", `${REMOTE}/${BRANCH}`]);
    return { status: "fast-forward", commit: await git.head(), ...none };
  }
  return mergeRemote(git, local, options.prefer ?? "local");
}

async function mergeRemote(git: CatalogGit, local: string, prefer: "local" | "remote"): Promise<PullResult> {
  const mergeError = await git
    .run(["merge", "--no-ff", "--no-commit", "--allow-unrelated-histories", `${REMOTE}/${BRANCH}`])
    .then(() => null, (e: unknown) => e);
  const unmerged = await unmergedStages(git);
  if (mergeError !== null && unmerged.size === 0) {
    await git.tryRun(["merge", "--abort"]);
    throw mergeError;
  }

  const aliasConflicts: AliasConflict[] = [];
  const fileConflicts: string[] = [];
  const keep = prefer === "local" ? 2 : 3;
  const drop = prefer === "local" ? 3 : 2;
  for (const [path, stages] of unmerged) {
    const value = async (stage: number) => (stages.has(stage) ? (await git.run(["show", `:${stage}:${path}`])).trim() : null);
    if (path.startsWith(`${ALIASES_DIR}/`)) {
      aliasConflicts.push({ alias: path.slice(ALIASES_DIR.length + 1), kept: await value(keep), dropped: await value(drop), keptSide: prefer });
    } else {
      fileConflicts.push(path);
    }
    if (stages.has(keep)) {
      await git.run(["checkout", prefer === "local" ? "--ours" : "--theirs", "--", path]);
      await git.run(["add", "--", path]);
    } else {
      await git.run(["rm", "--cached", "--ignore-unmatch", "--", path]);
      await git.run(["clean", "-q", "-f", "--", path]);
    }
  }

  const restored = await restoreAliasedEntries(git, [local, "MERGE_HEAD"]);
  const lines = [
    ...aliasConflicts.map((c) =>
      `alias ${c.alias}: kept ${c.keptSide} ${c.kept ?? "(removed)"}, ${c.keptSide === "local" ? "remote" : "local"} had ${c.dropped ?? "(removed)"}`),
    ...fileConflicts.map((f) => `${f}: kept the ${prefer} version`),
    ...restored.map((h) => `restored entry ${h}: an alias points to it, the other side removed it`),
  ];
  const message = `merge catalog changes from ${REMOTE}` + (lines.length > 0 ? `\n\n${lines.join("\n")}` : "");
  await git.run(["commit", "-m", message]);
  return { status: "merged", commit: await git.head(), aliasConflicts, fileConflicts, restored };
}

/** Paths left unmerged, with the index stages present (1 base, 2 ours, 3 theirs). */
async function unmergedStages(git: CatalogGit): Promise<Map<string, Set<number>>> {
  const out = await git.run(["ls-files", "-u", "-z"]);
  const paths = new Map<string, Set<number>>();
  for (const record of out.split("\0").filter((r) => r !== "")) {
    const [meta = "", path = ""] = record.split("\t");
    const stage = Number(meta.split(" ")[2]);
    if (!paths.has(path)) paths.set(path, new Set());
    paths.get(path)!.add(stage);
  }
  return paths;
}

/** Brings back entries that an alias points to but the merge removed, from whichever side had them. */
async function restoreAliasedEntries(git: CatalogGit, revisions: ReadonlyArray<string>): Promise<string[]> {
  const aliasFiles = (await git.run(["ls-files", "--", ALIASES_DIR])).split("\n").filter((l) => l !== "");
  const restored: string[] = [];
  for (const file of aliasFiles) {
    const hash = (await git.run(["show", `:${file}`])).trim();
    const meta = `${ENTRIES_DIR}/${hash}/metadata.json`;
    if ((await git.tryRun(["cat-file", "-t", `:${meta}`])) !== null || restored.includes(hash)) continue;
    for (const rev of revisions) {
      if ((await git.tryRun(["cat-file", "-t", `${rev}:${meta}`])) !== null) {
        await git.run(["checkout", rev, "--", `${ENTRIES_DIR}/${hash}`]);
        restored.push(hash);
        break;
      }
    }
  }
  return restored;
}

export async function pushCatalog(git: CatalogGit, options: PullOptions = {}): Promise<PushResult> {
  const url = await requireRemote(git);
  const pulls: PullResult[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      await git.run(["push", "-u", REMOTE, `HEAD:refs/heads/${BRANCH}`]);
      return { commit: await git.head(), attempts: attempt, pulls };
    } catch (e) {
      const message = (e as Error).message;
      const rejected = /\[rejected\]|non-fast-forward|fetch first/.test(message);
      if (!rejected) throw new CatalogError(`cannot push the catalog to ${url}: ${message}`, 1, { cause: e });
      if (attempt >= MAX_PUSH_ATTEMPTS) {
        throw new CatalogError(`the remote ${url} kept moving: push rejected ${attempt} times, each after a pull; try again`, 1, { cause: e });
      }
      pulls.push(await pullCatalog(git, options));
    }
  }
}
