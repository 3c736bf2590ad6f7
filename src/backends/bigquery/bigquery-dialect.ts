import type { DataType, DecimalType } from "../../expr/data-type.js";
import { decimalParts, isTimestamp, timestampZone } from "../../expr/data-type.js";
import type { CallNode } from "../../expr/value-nodes.js";
import { Dialect } from "../../compile/dialect.js";

/** BigQuery GoogleSQL: https://cloud.google.com/bigquery/docs/reference/standard-sql/functions-and-operators */
export class BigQueryDialect extends Dialect {
  readonly name = "bigquery";

  override quoteIdentifier(name: string): string {
    return `\`${name.replaceAll("\\", "\\\\").replaceAll("`", "\\`")}\``;
  }

  /** GoogleSQL escapes quotes with a backslash; '' is not an escaped quote there. */
  override stringLiteral(value: string): string {
    const escaped = value.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n").replaceAll("\r", "\\r");
    return `'${escaped}'`;
  }

  protected readonly typeNames = BIGQUERY_TYPES;
  protected readonly timestampTypes = { naive: "DATETIME", zoned: "TIMESTAMP" };
  protected override readonly functionNames = { ends_with: "ENDS_WITH" };

  /** NUMERIC holds 29 integer and 9 fractional digits; wider decimals need BIGNUMERIC. */
  override decimalTypeName(type: DecimalType): string {
    const { precision, scale } = decimalParts(type);
    return `${precision - scale > 29 || scale > 9 ? "BIGNUMERIC" : "NUMERIC"}(${precision},${scale})`;
  }

  override timestampLiteral(text: string, zone: string | null): string {
    return zone ? `TIMESTAMP ${this.stringLiteral(text)}` : `DATETIME ${this.stringLiteral(text)}`;
  }

  /** BigQuery needs LIMIT whenever there is an OFFSET. */
  override limitOffset(limit: number | null, offset: number): string {
    if (limit === null && offset > 0) return `LIMIT 9223372036854775807 OFFSET ${offset}`;
    return super.limitOffset(limit, offset);
  }

  /** A bare UNION is not allowed in GoogleSQL: the set quantifier is mandatory. */
  override unionKeyword(distinct: boolean): string {
    return distinct ? "UNION DISTINCT" : "UNION ALL";
  }

  override modulo(left: string, right: string): string {
    return `MOD(${left}, ${right})`;
  }

  override call(node: CallNode, args: ReadonlyArray<string>): string {
    const [a, b] = args;
    return node.fn === "ilike" ? `(LOWER(${a}) LIKE LOWER(${b}))` : super.call(node, args);
  }

  /** EXTRACT(DAYOFWEEK) is 1 = Sunday in BigQuery. */
  override dayOfWeek(arg: string): string {
    return `(EXTRACT(DAYOFWEEK FROM ${arg}) - 1)`;
  }

  override truncate(unit: string, arg: string, type: DataType): string {
    const fn = type === "date" ? "DATE_TRUNC" : isTimestamp(type) && !timestampZone(type) ? "DATETIME_TRUNC" : "TIMESTAMP_TRUNC";
    return `${fn}(${arg}, ${unit.toUpperCase()})`;
  }
}

const BIGQUERY_TYPES = {
  null: "INT64", boolean: "BOOL", int8: "INT64", int16: "INT64", int32: "INT64", int64: "INT64", uint8: "INT64",
  uint16: "INT64", uint32: "INT64", uint64: "BIGNUMERIC", float32: "FLOAT64", float64: "FLOAT64", string: "STRING",
  binary: "BYTES", date: "DATE", time: "TIME", interval: "INTERVAL", uuid: "STRING", json: "JSON",
} as const;
