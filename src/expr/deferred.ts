/**
 * `_`: the deferred column accessor. `_.amount` is the column named amount of whatever
 * table the expression is applied to; `_.count()` is count(*), while `_.count` (not
 * called) still reads a column named "count". `_.col("weird name")` reaches any name.
 */
import { UNWRAP_VALUE, Value, col, countStar } from "./value.js";

/** A column value that can also be called (for `_.count()`). */
export type CallableColumn = Value & (() => Value);

export type Underscore = { readonly [column: string]: Value } & {
  readonly count: CallableColumn;
  readonly col: (name: string) => Value;
};

function callableColumn(name: string, onCall: () => Value): CallableColumn {
  const column = col(name);
  const target = Object.assign(() => onCall(), { [UNWRAP_VALUE]: column });
  return new Proxy(target, {
    get(t, prop) {
      if (prop === UNWRAP_VALUE) return column;
      const v = (column as unknown as Record<PropertyKey, unknown>)[prop];
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(column) : v;
    },
    has(t, prop) {
      return prop === UNWRAP_VALUE || prop in column;
    },
  }) as unknown as CallableColumn;
}

export const _: Underscore = new Proxy({} as Underscore, {
  get(_target, prop) {
    if (typeof prop !== "string") return undefined;
    if (prop === "col") return col;
    if (prop === "count") return callableColumn("count", countStar);
    return col(prop);
  },
});
