/**
 * PostgreSQL's materialization SQL. Identifiers longer than 63 bytes are silently
 * truncated by the server (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS),
 * so names are shortened before they get here. `CREATE OR REPLACE VIEW` refuses a new
 * column list (https://www.postgresql.org/docs/current/sql-createview.html): an
 * environment view is dropped and created again inside one transaction instead.
 */
import { MaterializationDdl, type QualifiedName } from "../materialization-ddl.js";
import { PostgresDialect } from "./postgres-dialect.js";

class PostgresMaterializationDdl extends MaterializationDdl {
  override readonly identifierLimit = 63;
  override readonly defaultSchema = "public";

  override pointView(view: QualifiedName, target: QualifiedName): string[] {
    return [`DROP VIEW IF EXISTS ${this.qualified(view)}`, `CREATE VIEW ${this.qualified(view)} AS SELECT * FROM ${this.qualified(target)}`];
  }
}

export const postgresMaterialization = new PostgresMaterializationDdl(new PostgresDialect());
