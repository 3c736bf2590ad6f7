/** DuckDB's materialization SQL: the ANSI defaults; only the catalog of `information_schema` needs naming. */
import { MaterializationDdl } from "../materialization-ddl.js";
import { DuckDBDialect } from "./duckdb-dialect.js";

class DuckDBMaterializationDdl extends MaterializationDdl {
  // information_schema lists every attached database (and temp objects): only the current one is ours.
  override listRelations(schema: string): string {
    return `${super.listRelations(schema)} AND table_catalog = current_database()`;
  }

  override listViewDefinitions(schema: string): string {
    return `${super.listViewDefinitions(schema)} AND table_catalog = current_database()`;
  }
}

export const duckdbMaterialization = new DuckDBMaterializationDdl(new DuckDBDialect());
