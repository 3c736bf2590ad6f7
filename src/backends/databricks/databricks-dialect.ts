import type { DataType } from "../../expr/data-type.js";
import { isFloat, isTimestamp, timestampZone } from "../../expr/data-type.js";
import type { CallNode, LiteralNode } from "../../expr/value-nodes.js";
import { Dialect } from "../../compile/dialect.js";

/**
 * Databricks SQL (Spark SQL with Delta tables):
 * https://docs.databricks.com/en/sql/language-manual/index.html
 *
 * `TIMESTAMP` is an instant (shown in the session time zone, which the backend sets to
 * UTC) and `TIMESTAMP_NTZ` a wall-clock time. Spark has no TIME, UUID or JSON column
 * type: those are stored as STRING.
 */
export class DatabricksDialect extends Dialect {
  readonly name = "databricks";

  protected readonly typeNames = DATABRICKS_TYPES;
  protected readonly timestampTypes = { naive: "TIMESTAMP_NTZ", zoned: "TIMESTAMP" };
  /** Spark rejects DISTINCT in a window aggregate ("Distinct window functions are not supported"). */
  protected override readonly distinctWindowAggregates = false;
  /** Spark's EXTRACT(SECOND) keeps the fraction; the field functions return integers. */
  protected override readonly functionNames = {
    contains: "CONTAINS", starts_with: "STARTSWITH", ends_with: "ENDSWITH",
    year: "YEAR", month: "MONTH", day: "DAY", hour: "HOUR", minute: "MINUTE", second: "SECOND",
  };

  override quoteIdentifier(name: string): string {
    return `\`${name.replaceAll("`", "``")}\``;
  }

  /** Spark reads backslash escapes in string literals; a quote is escaped with one too. */
  override stringLiteral(value: string): string {
    const escaped = value.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n").replaceAll("\r", "\\r");
    return `'${escaped}'`;
  }

  /** A number with a decimal point is a DECIMAL literal in Spark; the D suffix makes it a DOUBLE. */
  override literal(node: LiteralNode): string {
    const { value, type } = node;
    if (typeof value === "number" && isFloat(type)) {
      if (!Number.isFinite(value)) return `CAST(${this.stringLiteral(Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity")} AS ${this.typeName(type)})`;
      const double = `${value}D`;
      return type === "float32" ? `CAST(${double} AS FLOAT)` : double;
    }
    if (type === "time" && value !== null) return this.stringLiteral(String(value));
    return super.literal(node);
  }

  override timestampLiteral(text: string, zone: string | null): string {
    return zone ? `TIMESTAMP ${this.stringLiteral(text)}` : `TIMESTAMP_NTZ ${this.stringLiteral(text)}`;
  }

  override call(node: CallNode, args: ReadonlyArray<string>): string {
    // FLOOR and CEIL of a DOUBLE return BIGINT in Spark.
    if ((node.fn === "floor" || node.fn === "ceil") && isFloat(node.type)) return `CAST(${super.call(node, args)} AS ${this.typeName(node.type)})`;
    return super.call(node, args);
  }

  /** DAYOFWEEK is 1 = Sunday in Spark. */
  override dayOfWeek(arg: string): string {
    return `(DAYOFWEEK(${arg}) - 1)`;
  }

  /** DATE_TRUNC returns an instant (TIMESTAMP); a wall-clock input gets a wall-clock result back. */
  override truncate(unit: string, arg: string, type: DataType): string {
    const truncated = super.truncate(unit, arg, type);
    return isTimestamp(type) && !timestampZone(type) ? `CAST(${truncated} AS TIMESTAMP_NTZ)` : truncated;
  }
}

/** Spark has no unsigned integers: each maps to the next signed type that holds it. */
const DATABRICKS_TYPES = {
  null: "INT", boolean: "BOOLEAN", int8: "TINYINT", int16: "SMALLINT", int32: "INT", int64: "BIGINT",
  uint8: "SMALLINT", uint16: "INT", uint32: "BIGINT", uint64: "DECIMAL(20,0)", float32: "FLOAT", float64: "DOUBLE",
  string: "STRING", binary: "BINARY", date: "DATE", time: "STRING", interval: "STRING", uuid: "STRING", json: "STRING",
} as const;
