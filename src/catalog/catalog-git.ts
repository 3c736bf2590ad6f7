/**
 * The git calls the catalog makes, through simple-git, with a stable environment:
 * English messages (push rejections are recognised by their text), no terminal
 * prompts (a remote asking for a password fails instead of hanging), no commit
 * signing, and an author when none is configured (CI machines often have none).
 */
import { type SimpleGit, simpleGit } from "simple-git";
import { CatalogError } from "./catalog-error.js";

/** Used only when neither the environment nor git's config names an author. */
export const FALLBACK_IDENTITY = { name: "xorq catalog", email: "xorq-catalog@localhost" } as const;

/**
 * Two quirks of simple-git shape the calls here: it waits 50 ms after a command that
 * printed nothing (so commands run without -q, or with an option that prints), and it
 * treats a non-zero exit without stderr output as success (`rev-parse --verify -q`
 * says "no" exactly that way), so every non-zero exit is made an error.
 */
function exitCodeErrors(error: Buffer | Error | undefined, result: { exitCode: number; stdErr: Buffer[] }): Buffer | Error | undefined {
  if (error || result.exitCode === 0) return error;
  const stderr = Buffer.concat(result.stdErr).toString("utf8").trim();
  return Buffer.from(stderr !== "" ? stderr : `git exited with code ${result.exitCode}`);
}

export class CatalogGit {
  readonly dir: string;
  readonly #git: SimpleGit;

  private constructor(dir: string, git: SimpleGit) {
    this.dir = dir;
    this.#git = git;
  }

  /** A git handle on `dir` (which must exist), with the author settled once. */
  static async open(dir: string): Promise<CatalogGit> {
    const env: Record<string, string | undefined> = { ...process.env, LC_ALL: "C", LANG: "C", GIT_TERMINAL_PROMPT: "0" };
    // Nothing here opens an editor or a pager; the user's own settings for reaching a
    // remote (ssh command, askpass, config paths, proxy) are passed on as they are.
    for (const key of ["EDITOR", "VISUAL", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "PAGER", "GIT_PAGER"]) delete env[key];
    const unsafe = {
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeGitProxy: true,
      allowUnsafeTemplateDir: true,
    };
    const options = { baseDir: dir, unsafe, errors: exitCodeErrors };
    const probe = simpleGit(options).env(env);
    const settings = (await probe.raw(["config", "--list"]).catch(() => "")).split("\n");
    const configured = (key: string) => settings.some((l) => l.toLowerCase().startsWith(`${key}=`) && l.length > key.length + 1);
    const config = ["commit.gpgsign=false", "core.abbrev=12"];
    if (!process.env.GIT_AUTHOR_NAME && !configured("user.name")) config.push(`user.name=${FALLBACK_IDENTITY.name}`);
    if (!process.env.GIT_AUTHOR_EMAIL && !configured("user.email")) config.push(`user.email=${FALLBACK_IDENTITY.email}`);
    return new CatalogGit(dir, simpleGit({ ...options, config }).env(env));
  }

  /** Runs `git <args>` and returns its output; failures become a CatalogError (exit code 1) with git's message. */
  async run(args: ReadonlyArray<string>): Promise<string> {
    try {
      return await this.#git.raw([...args]);
    } catch (e) {
      throw new CatalogError(`git ${args[0]} failed in ${this.dir}: ${(e as Error).message.trim()}`, 1, { cause: e });
    }
  }

  /** Like `run`, but null instead of an error (for questions such as "does this ref exist?"). */
  async tryRun(args: ReadonlyArray<string>): Promise<string | null> {
    try {
      return await this.#git.raw([...args]);
    } catch {
      return null;
    }
  }

  /** Files with uncommitted changes (tracked or not), as `git status --porcelain` lists them. */
  async dirtyFiles(): Promise<string[]> {
    const out = await this.run(["status", "--porcelain", "--branch", "--untracked-files=all"]);
    return out.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("## ")).map((l) => l.slice(3));
  }

  /** Stages every change under `paths` (additions and deletions) and commits them; returns the short commit hash. */
  async commit(message: string, paths: ReadonlyArray<string>): Promise<string> {
    await this.run(["add", "-A", "-v", "--", ...paths]);
    const out = await this.run(["commit", "-m", message]);
    // "[main 0123456789ab] message" or "[main (root-commit) 0123456789ab] message" (core.abbrev=12)
    const m = /^\[[^\]]*?([0-9a-f]{12,})\]/m.exec(out);
    return m ? m[1]! : (await this.run(["rev-parse", "--short=12", "HEAD"])).trim();
  }

  async head(): Promise<string | null> {
    const out = await this.tryRun(["rev-parse", "--verify", "-q", "HEAD"]);
    return out === null ? null : out.trim();
  }

  async remoteUrl(remote: string): Promise<string | null> {
    const out = await this.tryRun(["remote", "get-url", remote]);
    return out === null ? null : out.trim();
  }
}
