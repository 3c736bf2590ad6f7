/**
 * Which artifacts of `builds/` a build may trust without reading them, the way git
 * trusts its index: `target/artifact_stamps.json` records, per artifact found intact
 * (written by this build, or checked with `verifyArtifact`), the device, inode, size,
 * mtime and ctime of each of its files and a digest of their content. An artifact whose
 * files still stat the same is intact; one whose stat changed is intact if its content
 * still has the digest (a copy, a `touch`); an artifact without a stamp is checked with
 * `verifyArtifact`. A build rewrites one that fails. A no-op build then costs a stat per
 * file instead of parsing and hashing every artifact (1,000 artifacts: 2 s in full).
 *
 * What is left: an edit made before an artifact is first stamped (an artifact copied in,
 * or older than the stamps file) is caught only as far as `verifyArtifact` sees (expr.yaml
 * against its hash; the other files present and well-formed, not their values).
 *
 * The racily-clean rule: a file changed within one timestamp tick of taking its stamp
 * could be edited again in the same tick without its stat changing, so such an artifact
 * is not stamped, and the next build checks it in full. The tick: 2 s (FAT, the
 * coarsest) when a file's timestamps are whole milliseconds, else the kernel clock's
 * (a few ms; `FINE_RACY_MS` allows for more). ctime cannot be set back by tools that
 * restore mtime. The artifacts a build writes are stamped when it saves, when most are
 * older than the tick already.
 * The stamps are a cache: deleting or damaging the file only costs a full check.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { ArtifactError, verifyArtifact } from "./artifact-graph.js";

const FILE = "artifact_stamps.json";
const VERSION = 2;
const COARSE_RACY_MS = 2000;
const FINE_RACY_MS = 50;

export class ArtifactStamps {
  readonly #file: string;
  readonly #stamps: Map<string, Stamp>;
  readonly #written: Array<readonly [dir: string, short: string]> = [];
  #changed = false;

  private constructor(file: string, stamps: Map<string, Stamp>) {
    this.#file = file;
    this.#stamps = stamps;
  }

  /** The stamps in `targetDir`; none when the file is missing or unreadable. */
  static load(targetDir: string): ArtifactStamps {
    const file = join(targetDir, FILE);
    let stamps = new Map<string, Stamp>();
    try {
      const doc = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown; artifacts?: Record<string, unknown> };
      if (doc.version === VERSION && doc.artifacts && typeof doc.artifacts === "object") {
        stamps = new Map(Object.entries(doc.artifacts).filter((e): e is [string, Stamp] => isStamp(e[1])));
      }
    } catch {
      // Missing or damaged: every artifact is checked in full once.
    }
    return new ArtifactStamps(file, stamps);
  }

  /**
   * Whether `dir` is the intact artifact of `hash` (full node hash): by its stamp, else
   * by `verifyArtifact` (then stamped). Returns the reason it is not, or null.
   */
  damage(dir: string, hash: string): string | null {
    const short = hash.slice(0, 12);
    const now = fingerprint(dir);
    const stamp = this.#stamps.get(short);
    if (now !== null && stamp?.stat === now.text) return null;
    if (now !== null && stamp !== undefined) {
      if (contentDigest(dir, now) !== stamp.content) {
        this.forget(short);
        return `${dir}: its files changed since it was built`;
      }
    } else {
      try {
        verifyArtifact(dir, hash);
      } catch (e) {
        if (!(e instanceof ArtifactError)) throw e;
        this.forget(short);
        return e.message;
      }
    }
    this.#stamp(dir, short, fingerprint(dir));
    return null;
  }

  /** Records `dir`, just written by this build (stamped on `save`). */
  written(dir: string, hash: string): void {
    this.#written.push([dir, hash.slice(0, 12)]);
  }

  forget(short: string): void {
    this.#changed = this.#stamps.delete(short) || this.#changed;
  }

  /** Writes the stamps back when they changed (atomically; a lost race only costs a check). */
  async save(): Promise<void> {
    for (const [dir, short] of this.#written.splice(0)) this.#stamp(dir, short, fingerprint(dir));
    if (!this.#changed) return;
    const artifacts = Object.fromEntries([...this.#stamps].sort(([a], [b]) => (a < b ? -1 : 1)));
    await writeFileAtomic(this.#file, `${JSON.stringify({ version: VERSION, artifacts })}\n`);
  }

  #stamp(dir: string, short: string, print: Fingerprint | null): void {
    if (print === null || print.newestMs > Date.now() - (print.coarse ? COARSE_RACY_MS : FINE_RACY_MS)) {
      this.forget(short);
      return;
    }
    if (this.#stamps.get(short)?.stat === print.text) return;
    this.#stamps.set(short, { stat: print.text, content: contentDigest(dir, print) });
    this.#changed = true;
  }
}

interface Stamp {
  readonly stat: string;
  /** sha256 over the artifact's file names and contents. */
  readonly content: string;
}

function isStamp(v: unknown): v is Stamp {
  return typeof v === "object" && v !== null && typeof (v as Stamp).stat === "string" && typeof (v as Stamp).content === "string";
}

interface Fingerprint {
  readonly text: string;
  /** The files, relative to the artifact, sorted. */
  readonly files: ReadonlyArray<string>;
  /** The latest mtime or ctime of its files (ms), for the racily-clean rule. */
  readonly newestMs: number;
  /** Some file's timestamps are whole milliseconds: the file system may keep only seconds. */
  readonly coarse: boolean;
}

/** The stat of every file of an artifact (and of its subdirectories), or null if it is not a directory. */
function fingerprint(dir: string): Fingerprint | null {
  const parts: string[] = [];
  const files: string[] = [];
  let newestMs = 0;
  let coarse = false;
  const walk = (at: string, prefix: string): boolean => {
    let names: string[];
    try {
      names = readdirSync(at).sort();
    } catch {
      return false;
    }
    for (const name of names) {
      const s = statSync(join(at, name), { bigint: true });
      if (s.isDirectory()) {
        if (!walk(join(at, name), `${prefix}${name}/`)) return false;
        continue;
      }
      files.push(`${prefix}${name}`);
      parts.push(`${prefix}${name}:${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`);
      newestMs = Math.max(newestMs, Number(s.mtimeMs), Number(s.ctimeMs));
      coarse ||= s.mtimeNs % 1_000_000n === 0n;
    }
    return true;
  };
  return walk(dir, "") ? { text: parts.join("|"), files, newestMs, coarse } : null;
}

function contentDigest(dir: string, print: Fingerprint): string {
  const h = createHash("sha256");
  for (const file of print.files) h.update(`${file}\u0000`).update(readFileSync(join(dir, file))).update("\u0000");
  return h.digest("hex");
}
