/**
 * Opening engines for profiles. Every connection a project (or a build artifact) uses
 * is opened here, by `openBackend(profile)`, and only when something first needs it:
 * loading a project opens nothing that its models do not read. How each kind opens is
 * its `EngineDefinition` in the registry (`engines.ts`).
 */
import type { RecordBatch } from "apache-arrow";
import type { Schema } from "../expr/data-type.js";
import type { BackendRef, ReadFormat } from "../expr/relation-nodes.js";
import type { SourcePos } from "../util/source-pos.js";
import type { Backend, Batches, ChangeSignal, FileReadingBackend, IngestOptions } from "./backend.js";
import { canReadFiles } from "./backend.js";
import type { DuckDBBackend } from "./duckdb/duckdb-backend.js";
import type { EngineDefinition, OpenOptions } from "./engine.js";
import { type BackendKind, availableKinds, engineFor } from "./engines.js";
import { openingFailure } from "./connection-error.js";
import { settingProblem } from "./connection-params.js";
import { MissingEnvError, type ParamValue, resolveEnv } from "./env-refs.js";

export type { OpenOptions };

/** A named connection from profiles.yaml; `params` keep their `${env:…}` references. */
export interface Profile {
  readonly name: string;
  readonly kind: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Where the profile is declared, for errors (absent for profiles read from an artifact). */
  readonly pos?: SourcePos;
}

export interface ConnectionsOptions extends OpenOptions {
  /**
   * The error for a problem with a profile that has a place in a file (the project
   * layer's positioned error); without it, a plain error with the message.
   */
  readonly errorAt?: (pos: SourcePos, message: string) => Error;
}

/** The portable description nodes carry for a profile. */
export function profileRef(profile: Profile): BackendRef {
  return { name: profile.name, kind: profile.kind as BackendKind, params: profile.params };
}

/** A problem with a profile: at its place in profiles.yaml when it has one; exit code 2 either way. */
function profileError(profile: Profile, message: string, options: ConnectionsOptions): Error {
  if (profile.pos && options.errorAt) return options.errorAt(profile.pos, message);
  return Object.assign(new Error(message), { exitCode: 2 });
}

/** The engine of a profile's kind (an error naming the known kinds when there is none). */
function engineOf(profile: Profile, options: ConnectionsOptions): EngineDefinition {
  const engine = engineFor(profile.kind);
  if (!engine) throw profileError(profile, `profile '${profile.name}' has unknown kind '${profile.kind}' (known: ${availableKinds().join(", ")})`, options);
  return engine;
}

/**
 * Opens a connection for a profile, reading `${env:…}` values now. Errors name the
 * profile's place in profiles.yaml when it has one.
 */
export async function openBackend(profile: Profile, options: ConnectionsOptions): Promise<Backend> {
  const engine = engineOf(profile, options);
  const unknown = Object.keys(profile.params).filter((k) => !engine.params.includes(k));
  if (unknown.length > 0) {
    throw profileError(profile, `${engine.kind} profile '${profile.name}': unknown setting(s) ${unknown.join(", ")}; known: ${engine.params.join(", ")}`, options);
  }
  let params;
  try {
    params = resolveEnv(profile.params);
  } catch (e) {
    if (!(e instanceof MissingEnvError)) throw e;
    throw profileError(profile, `profile '${profile.name}' needs ${e.message}`, options);
  }
  const problem = settingProblem(profile.params, params, engine.settingTypes);
  if (problem) throw profileError(profile, `${engine.kind} profile '${profile.name}': ${problem}`, options);
  return engine.open(profileRef(profile), params, options);
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

  /** The opened engine. An error opening it (the profile's settings, the driver) is marked as a connection failure. */
  inner(): Promise<Backend> {
    this.#backend ??= this.#open().catch((e: unknown) => {
      throw openingFailure(e);
    });
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
  async ingest(name: string, schema: Schema, batches: Batches, options?: IngestOptions): Promise<void> {
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
  readonly #options: ConnectionsOptions;
  readonly #backends = new Map<string, LazyBackend>();
  readonly #forks: LazyBackend[] = [];
  /** Reads deferred files for engines that cannot (relative paths resolve against the project). */
  #reader: DuckDBBackend | null = null;
  readonly #fileReader = async (): Promise<FileReadingBackend> => {
    const { DuckDBBackend } = await import("./duckdb/duckdb-backend.js");
    return (this.#reader ??= new DuckDBBackend({ name: "_xorq_file_reader", baseDir: this.#options.baseDir }));
  };

  constructor(profiles: Iterable<Profile>, options: ConnectionsOptions) {
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
    if (!engineOf(profile, this.#options).forks) return null;
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
    const dialect = engineOf(profile, this.#options).dialect.withFileBase(this.#options.baseDir);
    return dialect.readsFiles ? new LazyFileBackend(ref, dialect, open) : new LazyBackend(ref, dialect, open, this.#fileReader);
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
