import type { DataType } from "../../expr/data-type.js";
import { isFloat, isInteger } from "../../expr/data-type.js";
import type { AggregateFn, CallNode } from "../../expr/value-nodes.js";
import { Dialect } from "../../compile/dialect.js";

/** PostgreSQL: https://www.postgresql.org/docs/current/functions.html */
export class PostgresDialect extends Dialect {
  readonly name = "postgres";

  protected readonly typeNames = POSTGRES_TYPES;
  protected readonly timestampTypes = { naive: "TIMESTAMP", zoned: "TIMESTAMPTZ" };
  protected override readonly decimalKeyword = "NUMERIC";
  /** "Aggregate window functions ... do not allow DISTINCT": https://www.postgresql.org/docs/current/sql-expressions.html#SYNTAX-WINDOW-FUNCTIONS */
  protected override readonly distinctWindowAggregates = false;

  override aggregate(fn: AggregateFn, arg: string | null, resultType: DataType, over: string | null = null): string {
    // any_value() arrived only in PostgreSQL 16; min() is a valid "any value".
    return super.aggregate(fn === "any_value" ? "min" : fn, arg, resultType, over);
  }

  override call(node: CallNode, args: ReadonlyArray<string>): string {
    // round(double precision, int) does not exist, and round(double precision) rounds
    // half to even; round(numeric) rounds half away from zero, as the other engines do.
    if (node.fn === "round" && !isInteger(node.args[0]!.type)) {
      const digits = args.length === 2 ? `, ${args[1]}` : "";
      return `CAST(ROUND(CAST(${args[0]} AS NUMERIC)${digits}) AS ${this.typeName(node.type)})`;
    }
    // EXTRACT(SECOND) includes the fraction (and a cast to integer would round it).
    if (node.fn === "second") return `CAST(FLOOR(EXTRACT(SECOND FROM ${args[0]})) AS ${this.typeName("int32")})`;
    return super.call(node, args);
  }

  /** `%` is not defined for floating-point types in PostgreSQL; mod(numeric, numeric) is exact. */
  override modulo(left: string, right: string, leftType?: DataType, rightType?: DataType, resultType?: DataType): string {
    if (resultType && (isFloat(leftType ?? "int64") || isFloat(rightType ?? "int64"))) {
      return `CAST(MOD(CAST(${left} AS NUMERIC), CAST(${right} AS NUMERIC)) AS ${this.typeName(resultType)})`;
    }
    return super.modulo(left, right);
  }
}

/** PostgreSQL has no unsigned or 1-byte integers: each maps to the next signed type that holds it. */
const POSTGRES_TYPES = {
  null: "INTEGER", boolean: "BOOLEAN", int8: "SMALLINT", int16: "SMALLINT", int32: "INTEGER", int64: "BIGINT",
  uint8: "SMALLINT", uint16: "INTEGER", uint32: "BIGINT", uint64: "NUMERIC(20,0)", float32: "REAL",
  float64: "DOUBLE PRECISION", string: "TEXT", binary: "BYTEA", date: "DATE", time: "TIME",
  interval: "INTERVAL", uuid: "UUID", json: "JSONB",
} as const;
