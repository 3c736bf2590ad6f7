/**
 * A SQL dialect: the small set of hooks in which engines differ. The compiler
 * (`compiler.ts`) is shared; each engine's dialect is a short subclass that overrides
 * quoting, type names, a few function spellings and the forms it lacks.
 */
import type { DataType, DecimalType, TimestampType } from "../expr/data-type.js";
import { decimalParts, isDecimal, isInteger, isTimestamp, timestampZone } from "../expr/data-type.js";
import type { ReadFormat } from "../expr/relation-nodes.js";
import type { AggregateFn, CallNode, LiteralNode } from "../expr/value-nodes.js";

export class UnsupportedError extends Error {
  override readonly name = "UnsupportedError";
}

/** The types without parameters: each dialect names every one in its `typeNames`. */
export type PlainType = Exclude<DataType, DecimalType | TimestampType>;

export abstract class Dialect {
  abstract readonly name: string;
  /** The engine reads parquet/CSV files itself; elsewhere a file is read by DuckDB and moved in. */
  readonly readsFiles: boolean = false;

  quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  /** A table name that may be qualified ("schema.table"); each part is quoted. */
  tableName(name: string): string {
    return name.split(".").map((p) => this.quoteIdentifier(p)).join(".");
  }

  stringLiteral(value: string): string {
    return `'${value.replaceAll("'", "''")}'`;
  }

  /** The engine's name for each type without parameters. */
  protected abstract readonly typeNames: Readonly<Record<PlainType, string>>;
  /** The engine's names for timestamps without and with a time zone. */
  protected abstract readonly timestampTypes: { readonly naive: string; readonly zoned: string };
  /** Functions the engine spells `NAME(arg, ...)` where the default rendering differs. */
  protected readonly functionNames: Readonly<Partial<Record<CallNode["fn"], string>>> = {};
  /** `COUNT(DISTINCT x) OVER (...)` is valid SQL for the engine. */
  protected readonly distinctWindowAggregates: boolean = true;
  /** The keyword of DECIMAL(p,s). */
  protected readonly decimalKeyword: string = "DECIMAL";

  typeName(type: DataType): string {
    if (isDecimal(type)) return this.decimalTypeName(type);
    if (isTimestamp(type)) return timestampZone(type) ? this.timestampTypes.zoned : this.timestampTypes.naive;
    return this.typeNames[type as PlainType];
  }

  literal(node: LiteralNode): string {
    const { value, type } = node;
    if (value === null) return type === "null" ? "NULL" : `CAST(NULL AS ${this.typeName(type)})`;
    if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
    if (isInteger(type)) {
      const text = String(value);
      if (!/^-?\d+$/.test(text)) throw new UnsupportedError(`integer literal expected, got ${text}`);
      return text;
    }
    if (typeof value === "number") return Number.isInteger(value) && type.startsWith("float") ? `${value}.0` : String(value);
    if (isDecimal(type)) return `CAST(${this.stringLiteral(String(value))} AS ${this.typeName(type)})`;
    if (type === "date") return `DATE ${this.stringLiteral(String(value))}`;
    if (isTimestamp(type)) return this.timestampLiteral(String(value).replace("T", " "), timestampZone(type));
    if (type === "time") return `TIME ${this.stringLiteral(String(value))}`;
    if (type === "string") return this.stringLiteral(String(value));
    return `CAST(${this.stringLiteral(String(value))} AS ${this.typeName(type)})`;
  }

  timestampLiteral(text: string, zone: string | null): string {
    return zone ? `CAST(${this.stringLiteral(text)} AS ${this.typeName(`timestamp('${zone}')`)})` : `TIMESTAMP ${this.stringLiteral(text)}`;
  }

  /**
   * The dialect for connections whose relative file paths resolve against `dir` (a
   * project's folder): only a dialect that reads files has paths to resolve.
   */
  withFileBase(_dir: string): Dialect {
    return this;
  }

  /** The path the engine is given for a read's path (for engines that read files). */
  filePath(path: string): string {
    return path;
  }

  /** The FROM item that reads a file, for engines that can. */
  readFile(format: ReadFormat, _path: string, _options: Readonly<Record<string, string | number | boolean>>): string {
    throw new UnsupportedError(`${this.name} cannot read ${format} files directly; the file is loaded through DuckDB`);
  }

  limitOffset(limit: number | null, offset: number): string {
    const parts: string[] = [];
    if (limit !== null) parts.push(`LIMIT ${limit}`);
    if (offset > 0) parts.push(`OFFSET ${offset}`);
    return parts.join(" ");
  }

  unionKeyword(distinct: boolean): string {
    return distinct ? "UNION" : "UNION ALL";
  }

  /** True division: integer operands are cast to float first, so 1/2 is 0.5 everywhere. */
  divide(left: string, right: string, leftType: DataType, rightType: DataType): string {
    const l = isInteger(leftType) && isInteger(rightType) ? `CAST(${left} AS ${this.typeName("float64")})` : left;
    return `(${l} / ${right})`;
  }

  modulo(left: string, right: string, _leftType?: DataType, _rightType?: DataType, _resultType?: DataType): string {
    return `(${left} % ${right})`;
  }

  /**
   * An aggregate call; `over` is the window specification when it is evaluated as a
   * window (`""` for the whole table). The window goes inside any cast the engine
   * needs: `CAST(SUM(x) OVER (...) AS BIGINT)`, since `CAST(...) OVER` is not SQL.
   */
  aggregate(fn: AggregateFn, arg: string | null, resultType: DataType, over: string | null = null): string {
    const w = (call: string) => (over === null ? call : `${call} OVER (${over})`);
    if (fn === "count_distinct" && over !== null && !this.distinctWindowAggregates) {
      throw new UnsupportedError(`${this.name} cannot count distinct values over a window (nunique().over(...)); group by and join instead`);
    }
    switch (fn) {
      case "count_star":
        return w("COUNT(*)");
      case "count":
        return w(`COUNT(${arg})`);
      case "count_distinct":
        return w(`COUNT(DISTINCT ${arg})`);
      case "sum":
        // Engines widen integer sums differently (DuckDB: int128, PostgreSQL: numeric).
        return isInteger(resultType) ? `CAST(${w(`SUM(${arg})`)} AS ${this.typeName(resultType)})` : w(`SUM(${arg})`);
      case "mean":
        return `CAST(${w(`AVG(${arg})`)} AS ${this.typeName("float64")})`;
      case "min":
        return w(`MIN(${arg})`);
      case "max":
        return w(`MAX(${arg})`);
      case "any_value":
        return w(`ANY_VALUE(${arg})`);
    }
  }

  /** Renders a scalar function call; `args` are already compiled. */
  call(node: CallNode, args: ReadonlyArray<string>): string {
    const renamed = this.functionNames[node.fn];
    if (renamed) return `${renamed}(${args.join(", ")})`;
    const [a, b, c] = args;
    switch (node.fn) {
      case "lower": return `LOWER(${a})`;
      case "upper": return `UPPER(${a})`;
      case "length": return `CAST(LENGTH(${a}) AS ${this.typeName("int64")})`;
      case "trim": return `TRIM(${a})`;
      case "contains": return `(STRPOS(${a}, ${b}) > 0)`;
      case "starts_with": return `STARTS_WITH(${a}, ${b})`;
      case "ends_with": return `(RIGHT(${a}, LENGTH(${b})) = ${b})`;
      case "like": return `(${a} LIKE ${b})`;
      case "ilike": return `(${a} ILIKE ${b})`;
      case "substr": {
        const start = node.args[1]!.kind === "literal" ? String(Number(node.args[1]!.value) + 1) : `(${b} + 1)`;
        return c === undefined ? `SUBSTR(${a}, ${start})` : `SUBSTR(${a}, ${start}, ${c})`;
      }
      case "concat": return `(${args.join(" || ")})`;
      case "replace": return `REPLACE(${a}, ${b}, ${c})`;
      case "coalesce": return `COALESCE(${args.join(", ")})`;
      case "abs": return `ABS(${a})`;
      case "round": return b === undefined ? `ROUND(${a})` : `ROUND(${a}, ${b})`;
      case "floor": return `FLOOR(${a})`;
      case "ceil": return `CEIL(${a})`;
      case "sqrt": return `SQRT(${a})`;
      case "ln": return `LN(${a})`;
      case "exp": return `EXP(${a})`;
      case "greatest": return `GREATEST(${args.join(", ")})`;
      case "least": return `LEAST(${args.join(", ")})`;
      case "year": case "month": case "day": case "hour": case "minute": case "second":
        return `CAST(EXTRACT(${node.fn.toUpperCase()} FROM ${a}) AS ${this.typeName("int32")})`;
      case "day_of_week": return this.dayOfWeek(a!);
      case "date": return `CAST(${a} AS DATE)`;
      case "truncate": {
        const unit = String((node.args[1] as LiteralNode).value);
        const truncated = this.truncate(unit, a!, node.args[0]!.type);
        return node.args[0]!.type === "date" ? `CAST(${truncated} AS DATE)` : truncated;
      }
    }
    throw new UnsupportedError(`${this.name} has no rendering for ${node.fn}()`);
  }

  /** Day of week, 0 = Sunday ... 6 = Saturday. */
  dayOfWeek(arg: string): string {
    return `CAST(EXTRACT(DOW FROM ${arg}) AS ${this.typeName("int32")})`;
  }

  truncate(unit: string, arg: string, _type: DataType): string {
    return `DATE_TRUNC(${this.stringLiteral(unit)}, ${arg})`;
  }

  /** DECIMAL(p,s) in the engine's spelling. */
  decimalTypeName(type: DecimalType): string {
    const { precision, scale } = decimalParts(type);
    return `${this.decimalKeyword}(${precision},${scale})`;
  }
}
