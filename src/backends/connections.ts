/**
 * Opening engines for profiles. Every connection a project (or a build artifact) uses
 * is opened here, by `openBackend(profile)`, and only when something first needs it:
 * loading a project opens nothing that its models do not read.
 *
 * Adding an engine: add an entry to `OPENERS` (kind -> how to open it).
 */
import { isAbsolute, resolve } from "node:path";
import type { Backend, ChangeSignal, FileReadingBackend } from "./backend.js";
import { canReadFiles } from "./backend.js";
import type { DuckDBBackend } from "./duckdb/duckdb-backend.js";
import { dialectFor } from "./dialects.js";
import type { Schema } from "../expr/data-type.js";
import type { BackendKind, BackendRef, ReadFormat } from "../expr/relation-nodes.js";
import type { RecordBatch } from "apache-arrow";
import { MissingEnvError, type ParamValue, resolveEnv } from "./env-refs.js";
import { type SourcePos, projectErrorAt } from "../project/project-errors.js";

/** A named connection from profiles.yaml; `params` keep their `${env:…}` references. */
export interface Profile {
  readonly name: string;
  readonly kind: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Where the profile is declared, for errors (absent for profiles read from an artifact). */
  readonly pos?: SourcePos;
}

export interface OpenOptions {
  /** Relative file paths (DuckDB database files, deferred reads) resolve against this directory. */
  readonly baseDir: string;
}

interface Opener {
  /** Opens a connection with `params` already resolved from the environment. */
  open(ref: BackendRef, params: Readonly<Record<string, ParamValue>>, options: OpenOptions): Promise<Backend>;
  /** The engine reads files itself (deferred reads can start in it). */
  readonly readsFiles: boolean;
  /** Its backends implement `fork()` (see ForkableBackend). */
  readonly forks: boolean;
}

/** Each engine's module is imported when a connection first opens: a command that opens none (ls, plan) loads no driver. */
const OPENERS: Partial<Record<string, Opener>> = {
  duckdb: {
    readsFiles: true,
    forks: true,
    async open(ref, params, options) {
      const raw = String(params["path"] ?? ":memory:");
      const path = raw === ":memory:" || isAbsolute(raw) ? raw : resolve(options.baseDir, raw);
      // file_search_path makes DuckDB resolve relative read paths against the project,
      // so a node keeps the path as written and its hash does not depend on where the project sits.
      const { DuckDBBackend } = await import("./duckdb/duckdb-backend.js");
      return new DuckDBBackend({ name: ref.name, path, config: { file_search_path: options.baseDir } });
    },
  },
  postgres: {
    readsFiles: false,
    forks: true,
    async open(ref, params) {
      const { PostgresBackend } = await import("./postgres/postgres-backend.js");
      return PostgresBackend.fromParams(ref.name, params);
    },
  },
  snowflake: {
    readsFiles: false,
    forks: true,
    async open(ref, params) {
      const { SnowflakeBackend } = await import("./snowflake/snowflake-backend.js");
      return SnowflakeBackend.fromParams(ref.name, params);
    },
  },
  bigquery: {
    readsFiles: false,
    forks: true,
    async open(ref, params) {
      const { BigQueryBackend } = await import("./bigquery/bigquery-backend.js");
      return BigQueryBackend.fromParams(ref.name, params);
    },
  },
};

/** The kinds this build of the tool can open. */
export function availableKinds(): string[] {
  return Object.keys(OPENERS).sort();
}

/** The portable description nodes carry for a profile. */
export function profileRef(profile: Profile): BackendRef {
  return { name: profile.name, kind: profile.kind as BackendKind, params: profile.params };
}

/**
 * Opens a connection for a profile, reading `${env:…}` values now. Errors name the
 * profile's place in profiles.yaml when it has one.
 */
export async function openBackend(profile: Profile, options: OpenOptions): Promise<Backend> {
  const opener = OPENERS[profile.kind];
  const where = profile.pos ?? null;
  if (!opener) {
    const message = `profile '${profile.name}' is of kind '${profile.kind}', which this version of xorq cannot open (available: ${availableKinds().join(", ")})`;
    throw where ? projectErrorAt(where, message) : new Error(message);
  }
  let params;
  try {
    params = resolveEnv(profile.params);
  } catch (e) {
    if (!(e instanceof MissingEnvError)) throw e;
    const message = `profile '${profile.name}' needs ${e.message}`;
    throw where ? projectErrorAt(where, message) : Object.assign(new Error(message), { exitCode: 2 });
  }
  return opener.open(profileRef(profile), params, options);
}

/** A backend that can hand out independent connections to the same database. */
export interface ForkableBackend extends Backend {
  fork(): Backend;
}

export function canFork(b: Backend): b is ForkableBackend {
  return typeof (b as Partial<ForkableBackend>).fork === "function";
}

/**
 * A profile's connection, opened on first use. Its `ref` is the profile's (unresolved
 * parameters), whatever the engine's own description is, so nodes built through it
 * hash the same everywhere.
 */
class LazyBackend implements Backend {
  readonly ref: BackendRef;
  readonly dialect;
  readonly #open: () => Promise<Backend>;
  #backend: Promise<Backend> | null = null;
  /** For engines that cannot read files: the project's DuckDB file reader. */
  readonly fileReader?: () => Promise<FileReadingBackend>;

  constructor(ref: BackendRef, dialect: Backend["dialect"], open: () => Promise<Backend>, fileReader?: () => Promise<FileReadingBackend>) {
    this.ref = ref;
    this.dialect = dialect;
    this.#open = open;
    if (fileReader) this.fileReader = fileReader;
  }

  /** The opened engine. */
  inner(): Promise<Backend> {
    this.#backend ??= this.#open();
    return this.#backend;
  }

  get isOpen(): boolean {
    return this.#backend !== null;
  }

  async tableSchema(name: string): Promise<Schema> {
    return (await this.inner()).tableSchema(name);
  }
  async querySchema(sql: string): Promise<Schema> {
    return (await this.inner()).querySchema(sql);
  }
  async probeSchema(sql: string): Promise<Schema> {
    const b = await this.inner();
    return b.probeSchema ? b.probeSchema(sql) : b.querySchema(sql);
  }
  async *stream(sql: string, schema: Schema): AsyncGenerator<RecordBatch> {
    yield* (await this.inner()).stream(sql, schema);
  }
  async run(sql: string): Promise<void> {
    return (await this.inner()).run(sql);
  }
  async ingest(name: string, schema: Schema, batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, options?: { temporary?: boolean }): Promise<void> {
    return (await this.inner()).ingest(name, schema, batches, options);
  }
  async listTables(): Promise<string[]> {
    return (await this.inner()).listTables();
  }
  async changeSignal(table: string): Promise<ChangeSignal | null> {
    const b = await this.inner();
    if (!b.changeSignal) throw new Error(`${this.ref.kind} ('${this.ref.name}') reports no change signal for tables; use a snapshot cache`);
    return b.changeSignal(table);
  }
  async tablesReadBy(sql: string): Promise<string[]> {
    const b = await this.inner();
    if (!b.tablesReadBy) throw new Error(`${this.ref.kind} ('${this.ref.name}') cannot tell which tables a query reads; use a snapshot cache`);
    return b.tablesReadBy(sql);
  }
  async close(): Promise<void> {
    if (this.#backend) await (await this.#backend).close();
  }
}

class LazyFileBackend extends LazyBackend implements FileReadingBackend {
  async fileSchema(format: ReadFormat, path: string, options: Readonly<Record<string, string | number | boolean>>): Promise<Schema> {
    const b = await this.inner();
    if (!canReadFiles(b)) throw new Error(`${this.ref.kind} cannot read files`);
    return b.fileSchema(format, path, options);
  }
}

/**
 * The connections of one project or artifact: one lazily opened backend per profile,
 * forks for parallel work, and one `closeAll()`.
 */
export class Connections {
  readonly #profiles: ReadonlyMap<string, Profile>;
  readonly #options: OpenOptions;
  readonly #backends = new Map<string, LazyBackend>();
  readonly #forks: LazyBackend[] = [];
  /** Reads deferred files for engines that cannot (relative paths resolve against the project). */
  #reader: DuckDBBackend | null = null;
  readonly #fileReader = async (): Promise<FileReadingBackend> => {
    const { DuckDBBackend } = await import("./duckdb/duckdb-backend.js");
    return (this.#reader ??= new DuckDBBackend({ name: "_xorq_file_reader", config: { file_search_path: this.#options.baseDir } }));
  };

  constructor(profiles: Iterable<Profile>, options: OpenOptions) {
    this.#profiles = new Map([...profiles].map((p) => [p.name, p]));
    this.#options = options;
  }

  has(name: string): boolean {
    return this.#profiles.has(name);
  }

  profile(name: string): Profile | undefined {
    return this.#profiles.get(name);
  }

  get profiles(): ReadonlyArray<Profile> {
    return [...this.#profiles.values()];
  }

  /** The backend of a profile (not opened until used). */
  get(name: string): Backend {
    let b = this.#backends.get(name);
    if (!b) {
      const profile = this.#profiles.get(name);
      if (!profile) throw new Error(`no profile named '${name}'`);
      b = this.#lazy(profile, () => openBackend(profile, this.#options));
      this.#backends.set(name, b);
    }
    return b;
  }

  /**
   * An independent connection to the same database (its own temp tables), or null when
   * the engine offers none; callers then serialize their use of the shared one.
   */
  fork(name: string): Backend | null {
    const parent = this.get(name) as LazyBackend;
    const profile = this.#profiles.get(name)!;
    if (!OPENERS[profile.kind]?.forks) return null;
    const child = this.#lazy(profile, async () => {
      const b = await parent.inner();
      if (!canFork(b)) throw new Error(`${profile.kind} connections cannot be forked`);
      return b.fork();
    });
    this.#forks.push(child);
    return child;
  }

  #lazy(profile: Profile, open: () => Promise<Backend>): LazyBackend {
    const ref = profileRef(profile);
    const dialect = dialectOf(profile);
    return OPENERS[profile.kind]?.readsFiles ? new LazyFileBackend(ref, dialect, open) : new LazyBackend(ref, dialect, open, this.#fileReader);
  }

  async closeForks(forks: ReadonlyArray<Backend>): Promise<void> {
    for (const f of forks) {
      const i = this.#forks.indexOf(f as LazyBackend);
      if (i >= 0) this.#forks.splice(i, 1);
      await f.close().catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    for (const f of this.#forks.splice(0)) await f.close().catch(() => undefined);
    for (const b of this.#backends.values()) await b.close().catch(() => undefined);
    this.#backends.clear();
    await this.#reader?.close().catch(() => undefined);
    this.#reader = null;
  }
}

function dialectOf(profile: Profile): Backend["dialect"] {
  try {
    return dialectFor(profile.kind);
  } catch {
    const message = `profile '${profile.name}' has unknown kind '${profile.kind}' (known: duckdb, postgres, snowflake, bigquery)`;
    throw profile.pos ? projectErrorAt(profile.pos, message) : new Error(message);
  }
}
