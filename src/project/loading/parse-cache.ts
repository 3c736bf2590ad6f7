/**
 * The persistent parse cache, `target/parse_cache.json`: what each project file parsed
 * to (its YAML validated against its schema, a SQL file's front matter and inputs),
 * keyed by the file's content hash. Loading an unchanged project then only stats its
 * files: a file whose size, mtime, ctime, inode and device match its entry is not read;
 * one whose stat changed is read and hashed, and parsed again only if its content did.
 * ctime is what catches an in-place rewrite that keeps the size and restores the mtime
 * (`touch -d`, `cp -p`, `rsync -t`, editors that preserve it): no tool can set it back.
 *
 * A stat can miss an edit made within the file system's timestamp granularity of the
 * moment the stat was taken (git's "racy" case), so entries whose mtime or ctime is that
 * recent are checked by content once more on the next load.
 *
 * What is left: an edit that keeps the size within one timestamp tick of the previous
 * load's start, on a file system whose ticks are coarser than `RACY_MS` (FAT: 2 s; ext4,
 * xfs, btrfs, APFS: a few ms or less), or a file system that does not keep ctime (some
 * network mounts report mtime for it).
 *
 * Files with problems are not cached: their problems are found and reported on every load.
 */
import { type Stats, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { sha256 } from "../../expr/canonical.js";

const VERSION = 2;
/** Entries modified less than this long before the load that cached them are re-checked by content. */
const RACY_MS = 100;

interface Entry {
  readonly kind: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly dev: number;
  readonly sha: string;
  readonly data: unknown;
}

/** The stat fields an entry is matched on. */
function statOf(st: Stats): Pick<Entry, "size" | "mtimeMs" | "ctimeMs" | "ino" | "dev"> {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev };
}

export interface ParsedFile<T> {
  /** What `parse` returned (now or on an earlier load), null when the file has problems. */
  readonly data: T | null;
  /** The file's text (read on first call when the parse came from the cache). */
  readonly text: () => string;
}

export class ParseCache {
  readonly #file: string | null;
  readonly #entries: Map<string, Entry>;
  readonly #used = new Map<string, Entry>();
  /** When the load that wrote the entries started (for the racy check). */
  readonly #previousStart: number;
  readonly #start = Date.now();
  #changed = false;
  #parsed = 0;
  /** With `trustAllBut`: which keys are served unchecked. */
  #trust: { readonly changed: ReadonlySet<string>; readonly watched: string } | null = null;

  private constructor(file: string | null, entries: Map<string, Entry>, previousStart: number) {
    this.#file = file;
    this.#entries = entries;
    this.#previousStart = previousStart;
  }

  /** Reads the cache file (missing, unreadable or of another version: an empty cache). */
  static open(file: string | null): ParseCache {
    if (file) {
      try {
        const doc = JSON.parse(readFileSync(file, "utf8")) as { version?: number; started?: number; entries?: Record<string, Entry> };
        if (doc.version === VERSION && doc.entries) return new ParseCache(file, new Map(Object.entries(doc.entries)), doc.started ?? 0);
      } catch {
        // no cache yet
      }
    }
    return new ParseCache(file, new Map(), 0);
  }

  /**
   * The parsed form of the file at `path` (`key`: its name in the project), from the
   * cache when the file is unchanged, else from `parse(text)`. `kind` tells apart
   * parsers of one file, so a change of parser never serves another's result.
   */
  read<T>(path: string, key: string, kind: string, parse: (text: string) => T | null): ParsedFile<T> {
    const found = this.#lookup<T>(path, key, kind);
    if ("data" in found) return found;
    return { data: found.store(parse(found.text())), text: found.text };
  }

  /**
   * `read` for a parser that is asynchronous (a TS model is imported to learn its
   * config). `stillValid` can reject a cached result whose inputs besides the file
   * changed (a TS model's config may come from a module it imports).
   */
  async readAsync<T>(path: string, key: string, kind: string, parse: (text: string) => Promise<T | null>, stillValid?: (data: T) => boolean): Promise<ParsedFile<T>> {
    const found = this.#lookup<T>(path, key, kind, stillValid);
    if ("data" in found) return found;
    return { data: found.store(await parse(found.text())), text: found.text };
  }

  /** The cached result when the file is unchanged, else its text and how to keep its new parse. */
  #lookup<T>(path: string, key: string, kind: string, stillValid?: (data: T) => boolean): ParsedFile<T> | { text: () => string; store: (data: T | null) => T | null } {
    let text: string | null = null;
    const textOf = () => (text ??= readFileSync(path, "utf8"));
    const entry = this.#entries.get(key);
    const trusted = this.#trust !== null && key.startsWith(this.#trust.watched) && !this.#trust.changed.has(key);
    if (entry && trusted && entry.kind === kind && (!stillValid || stillValid(entry.data as T))) {
      this.#used.set(key, entry);
      return { data: entry.data as T, text: textOf };
    }
    const st = statSync(path);
    if (entry && entry.kind === kind && (!stillValid || stillValid(entry.data as T))) {
      const sameStat =
        entry.size === st.size && entry.mtimeMs === st.mtimeMs && entry.ctimeMs === st.ctimeMs && entry.ino === st.ino && entry.dev === st.dev;
      const racy = Math.max(entry.mtimeMs, entry.ctimeMs) >= this.#previousStart - RACY_MS;
      if (sameStat && !racy) {
        this.#used.set(key, entry);
        return { data: entry.data as T, text: textOf };
      }
      if (sha256(textOf()) === entry.sha) {
        this.#keep(key, { ...entry, ...statOf(st) });
        return { data: entry.data as T, text: textOf };
      }
    }
    this.#parsed++;
    return {
      text: textOf,
      store: (data) => {
        if (data !== null) this.#keep(key, { kind, ...statOf(st), sha: sha256(textOf()), data });
        return data;
      },
    };
  }

  /** How many files this load parsed (the others were served from the cache). */
  get parsed(): number {
    return this.#parsed;
  }

  #keep(key: string, entry: Entry): void {
    this.#used.set(key, entry);
    this.#changed = true;
  }

  /**
   * The cache as the next load in this process finds it: a long-lived process
   * (`xorq build --watch`) keeps it in memory instead of reading target/ again.
   */
  successor(): ParseCache {
    return new ParseCache(this.#file, new Map(this.#used), this.#start);
  }

  /**
   * Serve entries whose key starts with `watched` without a stat, except those of
   * `changed`: for a process that watches those files and knows which changed since
   * the last load.
   */
  trustAllBut(changed: Iterable<string>, watched: string): void {
    this.#trust = { changed: new Set(changed), watched };
  }

  /** Writes the entries this load used (entries of deleted files are dropped), atomically. */
  save(): void {
    if (!this.#file || (!this.#changed && this.#used.size === this.#entries.size)) return;
    const entries = Object.fromEntries([...this.#used].sort(([a], [b]) => (a < b ? -1 : 1)));
    const tmp = `${this.#file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ version: VERSION, started: this.#start, entries }));
      renameSync(tmp, this.#file);
    } catch {
      // a cache that cannot be written only costs the next load time
    }
  }
}
