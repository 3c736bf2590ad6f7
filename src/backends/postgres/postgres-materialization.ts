/**
 * PostgreSQL's materialization SQL. Identifiers longer than 63 bytes are silently
 * truncated by the server (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS),
 * so names are shortened before they get here. `CREATE OR REPLACE VIEW` refuses a new
 * column list (https://www.postgresql.org/docs/current/sql-createview.html): an
 * environment view is dropped and created again inside one transaction instead.
 * Two runs at once (two people, a CI job) take a transaction-scoped advisory lock
 * (https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS)
 * around each view swap and its state row: under READ COMMITTED, two DELETE-then-INSERT
 * of one state row would otherwise both insert.
 */
import { MaterializationDdl, type QualifiedName } from "../materialization-ddl.js";
import { PostgresDialect } from "./postgres-dialect.js";

class PostgresMaterializationDdl extends MaterializationDdl {
  override readonly identifierLimit = 63;
  override readonly defaultSchema = "public";

  override lockEnvironments(): string {
    return `SELECT pg_advisory_xact_lock(${ENVIRONMENTS_LOCK})`;
  }

  override pointView(view: QualifiedName, target: QualifiedName): string[] {
    return [`DROP VIEW IF EXISTS ${this.qualified(view)}`, `CREATE VIEW ${this.qualified(view)} AS SELECT * FROM ${this.qualified(target)}`];
  }
}

/** The advisory lock key of xorq's environments (any constant: the bytes of "xorq" as an integer). */
const ENVIRONMENTS_LOCK = 0x786f7271;

export const postgresMaterialization = new PostgresMaterializationDdl(new PostgresDialect());
