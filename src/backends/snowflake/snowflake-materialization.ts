/**
 * Snowflake's materialization SQL. DDL commits on its own
 * (https://docs.snowflake.com/en/sql-reference/transactions#ddl), so a view swap and its
 * state row are two steps: the view first, so the state never names a view that is not
 * there. `ALTER TABLE … RENAME TO` needs the target qualified, else the table moves to
 * the session's current schema (https://docs.snowflake.com/en/sql-reference/sql/alter-table).
 */
import { MaterializationDdl, type QualifiedName } from "../materialization-ddl.js";
import { SnowflakeDialect } from "./snowflake-dialect.js";

class SnowflakeMaterializationDdl extends MaterializationDdl {
  override readonly transactionalDdl = false;
  // Quoted identifiers keep their case; Snowflake's default schema is the upper-case PUBLIC.
  override readonly defaultSchema = "PUBLIC";

  override renameTable(from: QualifiedName, to: string): string {
    return `ALTER TABLE ${this.qualified(from)} RENAME TO ${this.qualified({ schema: from.schema, name: to })}`;
  }
}

export const snowflakeMaterialization = new SnowflakeMaterializationDdl(new SnowflakeDialect());
