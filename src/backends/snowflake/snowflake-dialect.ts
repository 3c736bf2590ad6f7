import { Dialect } from "../../compile/dialect.js";

/** Snowflake: https://docs.snowflake.com/en/sql-reference */
export class SnowflakeDialect extends Dialect {
  readonly name = "snowflake";

  protected readonly typeNames = SNOWFLAKE_TYPES;
  protected readonly timestampTypes = { naive: "TIMESTAMP_NTZ", zoned: "TIMESTAMP_TZ" };
  protected override readonly functionNames = { contains: "CONTAINS", starts_with: "STARTSWITH", ends_with: "ENDSWITH" };
  protected override readonly decimalKeyword = "NUMBER";

  override timestampLiteral(text: string, zone: string | null): string {
    return `CAST(${this.stringLiteral(text)} AS ${zone ? "TIMESTAMP_TZ" : "TIMESTAMP_NTZ"})`;
  }

  /** Snowflake string literals also treat backslash as an escape character. */
  override stringLiteral(value: string): string {
    return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
  }


  override dayOfWeek(arg: string): string {
    return `CAST(DAYOFWEEK(${arg}) AS ${this.typeName("int32")})`;
  }
}

/** Snowflake integers are all NUMBER(38,0); the aliases keep the SQL readable. */
const SNOWFLAKE_TYPES = {
  null: "INTEGER", boolean: "BOOLEAN", int8: "TINYINT", int16: "SMALLINT", int32: "INTEGER", int64: "BIGINT",
  uint8: "SMALLINT", uint16: "INTEGER", uint32: "BIGINT", uint64: "NUMBER(20,0)", float32: "FLOAT", float64: "FLOAT",
  string: "VARCHAR", binary: "BINARY", date: "DATE", time: "TIME", interval: "VARCHAR", uuid: "VARCHAR", json: "VARIANT",
} as const;
