/**
 * The SQL `xorq run` uses to leave models in an engine (`src/materialize/`): physical
 * relations under a schema, environment views over them, and the one state table that
 * records which relation each environment's view points at. The statements are ANSI
 * enough for most engines; an engine's folder holds a subclass overriding the few that
 * differ (`<engine>-materialization.ts`), listed in `src/materialize/engine-ddl.ts`.
 *
 * Every name given here is already within the engine's identifier limit
 * (`src/materialize/relation-names.ts` shortens them) and is plain ASCII letters,
 * digits and `_`: the state table's string values are names, keys and numbers only.
 */
import type { Dialect } from "../compile/dialect.js";

/** A relation in a schema of the engine's current database. */
export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/** One row of the state table: what an environment's view of a model points at. */
export interface EnvironmentRow {
  readonly env: string;
  readonly model: string;
  /** The view, as `<schema>.<name>`. */
  readonly view: string;
  /** The physical relation's name (in the physical schema). */
  readonly relation: string;
  readonly key: string;
  readonly materialized: string;
  /** Rows the relation held when it was created (null: not counted). */
  readonly rows: number | null;
  /** ISO 8601, UTC. */
  readonly updatedAt: string;
}

/** The state table's columns, in order, with their types (`string` or `int64`). */
export const STATE_COLUMNS = [
  ["env", "string"], ["model", "string"], ["view_name", "string"], ["relation", "string"],
  ["relation_key", "string"], ["materialized", "string"], ["row_count", "int64"], ["updated_at", "string"],
] as const;

export class MaterializationDdl {
  /** The longest identifier the engine keeps, in bytes (longer names are shortened, never truncated by the engine). */
  readonly identifierLimit: number = 255;
  /** Whether DDL runs inside a transaction (then a view swap and its state row commit together). */
  readonly transactionalDdl: boolean = true;
  /** The schema of environment views when neither the model nor the project names one. */
  readonly defaultSchema: string = "main";
  readonly dialect: Dialect;

  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }

  qualified(r: QualifiedName): string {
    return `${this.dialect.quoteIdentifier(r.schema)}.${this.dialect.quoteIdentifier(r.name)}`;
  }

  createSchema(schema: string): string {
    return `CREATE SCHEMA IF NOT EXISTS ${this.dialect.quoteIdentifier(schema)}`;
  }

  createTableAs(r: QualifiedName, sql: string): string {
    return `CREATE TABLE ${this.qualified(r)} AS\n${sql}`;
  }

  createViewAs(r: QualifiedName, sql: string): string {
    return `CREATE VIEW ${this.qualified(r)} AS\n${sql}`;
  }

  /** Renames a table within its schema (a staged write put into place). */
  renameTable(from: QualifiedName, to: string): string {
    return `ALTER TABLE ${this.qualified(from)} RENAME TO ${this.dialect.quoteIdentifier(to)}`;
  }

  dropTable(r: QualifiedName): string {
    return `DROP TABLE IF EXISTS ${this.qualified(r)}`;
  }

  dropView(r: QualifiedName): string {
    return `DROP VIEW IF EXISTS ${this.qualified(r)}`;
  }

  /** Drops a schema only when it holds nothing (an environment's schema once its views are gone). */
  dropSchema(schema: string): string {
    return `DROP SCHEMA IF EXISTS ${this.dialect.quoteIdentifier(schema)} RESTRICT`;
  }

  /** Points an environment's view at a relation (created, or replaced whatever its columns were). */
  pointView(view: QualifiedName, target: QualifiedName): string[] {
    return [`CREATE OR REPLACE VIEW ${this.qualified(view)} AS SELECT * FROM ${this.qualified(target)}`];
  }

  /** Replaces a table's rows by another's (`--full-refresh` of a relation views already read). */
  replaceRows(target: QualifiedName, from: QualifiedName): string[] {
    return [`DELETE FROM ${this.qualified(target)}`, `INSERT INTO ${this.qualified(target)} SELECT * FROM ${this.qualified(from)}`];
  }

  /** A query with two columns, `table_name` and `table_type` (`VIEW` for a view): the tables and views of a schema. */
  listRelations(schema: string): string {
    return `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ${this.dialect.stringLiteral(schema)}`;
  }

  /** A query with two columns, `table_name` and `view_definition`: the SQL of a schema's views (what `env gc` must keep for them). */
  listViewDefinitions(schema: string): string {
    return `SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = ${this.dialect.stringLiteral(schema)}`;
  }

  createStateTable(r: QualifiedName): string {
    const columns = STATE_COLUMNS.map(([n, t]) => `${this.dialect.quoteIdentifier(n)} ${this.dialect.typeName(t)}`);
    return `CREATE TABLE IF NOT EXISTS ${this.qualified(r)} (${columns.join(", ")})`;
  }

  readState(r: QualifiedName): string {
    return `SELECT ${STATE_COLUMNS.map(([n]) => this.dialect.quoteIdentifier(n)).join(", ")} FROM ${this.qualified(r)}`;
  }

  /** Records an environment's view of a model (replacing its previous row). */
  writeState(r: QualifiedName, row: EnvironmentRow): string[] {
    const s = (v: string) => this.dialect.stringLiteral(v);
    const q = (n: string) => this.dialect.quoteIdentifier(n);
    const values = [s(row.env), s(row.model), s(row.view), s(row.relation), s(row.key), s(row.materialized), row.rows === null ? "NULL" : String(row.rows), s(row.updatedAt)];
    return [
      this.deleteState(r, row.env, row.model),
      `INSERT INTO ${this.qualified(r)} (${STATE_COLUMNS.map(([n]) => q(n)).join(", ")}) VALUES (${values.join(", ")})`,
    ];
  }

  /** Forgets an environment's view of a model (or a relation's record). */
  deleteState(r: QualifiedName, env: string, model: string): string {
    const s = (v: string) => this.dialect.stringLiteral(v);
    const q = (n: string) => this.dialect.quoteIdentifier(n);
    return `DELETE FROM ${this.qualified(r)} WHERE ${q("env")} = ${s(env)} AND ${q("model")} = ${s(model)}`;
  }

  /**
   * A statement that makes concurrent writers of the environments (other processes) wait
   * for each other inside a transaction, or null when the engine needs none (DuckDB: one
   * writing process per database file).
   */
  lockEnvironments(): string | null {
    return null;
  }

  /** Statements that must take effect together (a view swap and its state row). */
  atomically(statements: ReadonlyArray<string>): string[] {
    const lock = this.lockEnvironments();
    return this.transactionalDdl ? ["BEGIN", ...(lock === null ? [] : [lock]), ...statements, "COMMIT"] : [...statements];
  }
}
