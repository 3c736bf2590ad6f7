/**
 * dbt's cross-database macros (`dbt.date_trunc`, `dbt.dateadd`, …) with each engine's
 * SQL, as dbt-core and its adapters (dbt-duckdb, dbt-postgres, dbt-snowflake,
 * dbt-bigquery, dbt-databricks) write them. Arguments are SQL text, as in dbt:
 * `dbt.dateadd('day', 7, 'order_date')`, `dbt.split_part('name', "' '", 1)`.
 * See https://docs.getdbt.com/reference/dbt-jinja-functions/cross-database-macros
 */
import type { BackendKind } from "../../../backends/engines.js";

type Sql = string | number;
type Macro = (...args: Sql[]) => string;

/** Postgres has no datediff: dbt-postgres computes it per part from epochs and date parts. */
function postgresDatediff(first: Sql, second: Sql, part: Sql): string {
  const p = String(part).toLowerCase();
  const days = `((${second})::date - (${first})::date)`;
  const years = `(date_part('year', (${second})::date) - date_part('year', (${first})::date))`;
  const months = `(${years} * 12 + date_part('month', (${second})::date) - date_part('month', (${first})::date))`;
  const hours = `(${days} * 24 + date_part('hour', (${second})::timestamp) - date_part('hour', (${first})::timestamp))`;
  const minutes = `(${hours} * 60 + date_part('minute', (${second})::timestamp) - date_part('minute', (${first})::timestamp))`;
  const seconds = `(${minutes} * 60 + floor(date_part('second', (${second})::timestamp)) - floor(date_part('second', (${first})::timestamp)))`;
  const byPart: Record<string, string> = {
    day: days,
    week: `trunc(${days} / 7)`,
    month: months,
    quarter: `trunc(${months} / 3)`,
    year: years,
    hour: hours,
    minute: minutes,
    second: seconds,
  };
  return byPart[p] ?? days;
}

const concatWithPipes: Macro = (...fields) => fields.map(String).join(" || ");

/** What most engines write; each engine below overrides the macros it writes differently. */
const DEFAULT: Readonly<Record<string, Macro>> = {
  date_trunc: (part, date) => `date_trunc('${part}', ${date})`,
  dateadd: (part, interval, from) => `dateadd(${part}, ${interval}, ${from})`,
  datediff: (first, second, part) => `datediff(${part}, ${first}, ${second})`,
  safe_cast: (field, type) => `try_cast(${field} as ${type})`,
  cast: (field, type) => `cast(${field} as ${type})`,
  concat: (...fields) => `concat(${fields.map(String).join(", ")})`,
  hash: (field) => `md5(cast(${field} as varchar))`,
  split_part: (text, delimiter, part) => `split_part(${text}, ${delimiter}, ${part})`,
  type_string: () => "varchar",
  type_int: () => "int",
  type_bigint: () => "bigint",
  type_float: () => "float",
  type_numeric: () => "numeric(28,6)",
  type_boolean: () => "boolean",
  type_timestamp: () => "timestamp",
  current_timestamp: () => "current_timestamp",
  any_value: (expr) => `any_value(${expr})`,
  cast_bool_to_text: (field) => `cast(${field} as varchar)`,
};

const BY_ENGINE: Readonly<Record<BackendKind, Readonly<Record<string, Macro>>>> = {
  duckdb: {
    dateadd: (part, interval, from) => `date_add(${from}, interval (${interval}) ${part})`,
    datediff: (first, second, part) => `date_diff('${part}', ${first}::timestamp, ${second}::timestamp)`,
    concat: concatWithPipes,
    type_string: () => "varchar",
    current_timestamp: () => "now()",
  },
  postgres: {
    dateadd: (part, interval, from) => `(${from} + ((interval '1 ${part}') * (${interval})))`,
    datediff: postgresDatediff,
    safe_cast: (field, type) => `cast(${field} as ${type})`,
    concat: concatWithPipes,
    type_timestamp: () => "timestamp without time zone",
    current_timestamp: () => "now()",
    any_value: (expr) => `min(${expr})`,
  },
  snowflake: {
    safe_cast: (field, type) => `try_cast(cast(${field} as varchar) as ${type})`,
    type_timestamp: () => "timestamp_ntz",
    current_timestamp: () => "convert_timezone('UTC', current_timestamp())",
  },
  bigquery: {
    date_trunc: (part, date) => `timestamp_trunc(cast(${date} as timestamp), ${part})`,
    dateadd: (part, interval, from) => `datetime_add(cast(${from} as datetime), interval ${interval} ${part})`,
    datediff: (first, second, part) => `datetime_diff(cast(${second} as datetime), cast(${first} as datetime), ${part})`,
    safe_cast: (field, type) => `safe_cast(${field} as ${type})`,
    hash: (field) => `to_hex(md5(cast(${field} as string)))`,
    split_part: (text, delimiter, part) => `split(${text}, ${delimiter})[safe_offset(${part} - 1)]`,
    type_string: () => "string",
    type_int: () => "int64",
    type_bigint: () => "int64",
    type_float: () => "float64",
    type_numeric: () => "numeric",
    type_boolean: () => "bool",
    current_timestamp: () => "current_timestamp()",
    cast_bool_to_text: (field) => `cast(${field} as string)`,
  },
  databricks: {
    dateadd: (part, interval, from) => `timestampadd(${part}, ${interval}, ${from})`,
    datediff: (first, second, part) => `timestampdiff(${part}, ${first}, ${second})`,
    hash: (field) => `md5(cast(${field} as string))`,
    type_string: () => "string",
    type_float: () => "double",
    type_numeric: () => "decimal(28,6)",
    current_timestamp: () => "current_timestamp()",
    cast_bool_to_text: (field) => `cast(${field} as string)`,
  },
};

/**
 * The `dbt` namespace for one engine. `concat` takes a list, as in dbt
 * (`dbt.concat(['a', "'-'", 'b'])`); the others take SQL text.
 */
export function crossDbMacros(engine: string): Readonly<Record<string, Macro>> {
  const own = (BY_ENGINE as Readonly<Record<string, Readonly<Record<string, Macro>>>>)[engine] ?? {};
  const macros: Record<string, Macro> = { ...DEFAULT, ...own };
  const concat = macros["concat"]!;
  macros["concat"] = (...args) => concat(...(Array.isArray(args[0]) ? (args[0] as Sql[]) : args));
  return macros;
}
