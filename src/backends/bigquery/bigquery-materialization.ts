/**
 * BigQuery's materialization SQL: a schema is a dataset. Each dataset has its own
 * INFORMATION_SCHEMA (https://cloud.google.com/bigquery/docs/information-schema-tables;
 * its VIEWS view holds the views' SQL); a DELETE needs a WHERE clause
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/dml-syntax#delete_statement);
 * DDL is not part of multi-statement transactions, so a view swap and its state row are
 * two steps, the view first.
 */
import { MaterializationDdl, type QualifiedName } from "../materialization-ddl.js";
import { BigQueryDialect } from "./bigquery-dialect.js";

class BigQueryMaterializationDdl extends MaterializationDdl {
  override readonly transactionalDdl = false;
  override readonly identifierLimit = 1024;

  override listRelations(schema: string): string {
    return `SELECT table_name, table_type FROM ${this.dialect.quoteIdentifier(schema)}.INFORMATION_SCHEMA.TABLES`;
  }

  override listViewDefinitions(schema: string): string {
    return `SELECT table_name, view_definition FROM ${this.dialect.quoteIdentifier(schema)}.INFORMATION_SCHEMA.VIEWS`;
  }

  override replaceRows(target: QualifiedName, from: QualifiedName): string[] {
    return [`DELETE FROM ${this.qualified(target)} WHERE TRUE`, `INSERT INTO ${this.qualified(target)} SELECT * FROM ${this.qualified(from)}`];
  }
}

export const bigqueryMaterialization = new BigQueryMaterializationDdl(new BigQueryDialect());
