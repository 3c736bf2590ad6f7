import type { DataType } from "../../expr/data-type.js";
import { isDecimal, isTimestamp, timestampZone } from "../../expr/data-type.js";
import type { AggregateFn, CallNode } from "../../expr/value-nodes.js";
import { Dialect } from "../dialect.js";

/** PostgreSQL: https://www.postgresql.org/docs/current/functions.html */
export class PostgresDialect extends Dialect {
  readonly name = "postgres";

  typeName(type: DataType): string {
    if (isDecimal(type)) return this.decimalTypeName(type, "NUMERIC");
    if (isTimestamp(type)) return timestampZone(type) ? "TIMESTAMPTZ" : "TIMESTAMP";
    return POSTGRES_TYPES[type as keyof typeof POSTGRES_TYPES] ?? "TEXT";
  }

  override aggregate(fn: AggregateFn, arg: string | null, resultType: DataType): string {
    // any_value() arrived only in PostgreSQL 16; min() is a valid "any value".
    if (fn === "any_value") return `MIN(${arg})`;
    return super.aggregate(fn, arg, resultType);
  }

  override call(node: CallNode, args: ReadonlyArray<string>): string {
    // round(double precision, int) does not exist in PostgreSQL, only round(numeric, int).
    if (node.fn === "round" && args.length === 2) {
      return `CAST(ROUND(CAST(${args[0]} AS NUMERIC), ${args[1]}) AS ${this.typeName(node.type)})`;
    }
    return super.call(node, args);
  }
}

/** PostgreSQL has no unsigned or 1-byte integers: each maps to the next signed type that holds it. */
const POSTGRES_TYPES = {
  null: "INTEGER", boolean: "BOOLEAN", int8: "SMALLINT", int16: "SMALLINT", int32: "INTEGER", int64: "BIGINT",
  uint8: "SMALLINT", uint16: "INTEGER", uint32: "BIGINT", uint64: "NUMERIC(20,0)", float32: "REAL",
  float64: "DOUBLE PRECISION", string: "TEXT", binary: "BYTEA", date: "DATE", time: "TIME",
  interval: "INTERVAL", uuid: "UUID", json: "JSONB",
} as const;
