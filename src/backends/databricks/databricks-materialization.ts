/**
 * Databricks SQL's materialization SQL (Unity Catalog, Delta tables). DDL is not
 * transactional, so a view swap and its state row are two steps, the view first; a
 * rename keeps the table in its schema only when the target is qualified
 * (https://docs.databricks.com/en/sql/language-manual/sql-ref-syntax-ddl-alter-table.html).
 */
import { MaterializationDdl, type QualifiedName } from "../materialization-ddl.js";
import { DatabricksDialect } from "./databricks-dialect.js";

class DatabricksMaterializationDdl extends MaterializationDdl {
  override readonly transactionalDdl = false;
  override readonly defaultSchema = "default";

  override renameTable(from: QualifiedName, to: string): string {
    return `ALTER TABLE ${this.qualified(from)} RENAME TO ${this.qualified({ schema: from.schema, name: to })}`;
  }
}

export const databricksMaterialization = new DatabricksMaterializationDdl(new DatabricksDialect());
