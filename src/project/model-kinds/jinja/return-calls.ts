/**
 * dbt's `{{ return(value) }}` in a macro: the macro's value is `value` (a list, a mapping,
 * a number), not the text it renders. MiniJinja's macros only render text, so every call
 * of a macro that returns is wrapped, in the template's text, as
 * `__xorq_ret(__xorq_call(), name(…))`: `__xorq_call` opens a frame before the macro runs
 * (arguments are evaluated left to right), `return()` puts the value in the innermost frame
 * (dbt-context.ts), and `__xorq_ret` closes it, giving the value (or, without a `return`,
 * the text). `{% set methods = payment_methods() %}{% for m in methods %}` then loops over
 * the list, as in dbt, `{% do return(x) %}` included.
 */

/** The names of the macros whose body calls `return(…)`. */
export function returningMacros(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\{%-?\s*macro\s+(\w+)([\s\S]*?)\{%-?\s*endmacro\s*-?%\}/g)) {
    if (/(?<![.\w])return\s*\(/.test(m[2]!)) out.add(m[1]!);
  }
  return out;
}

/** `text` with every call of a macro in `names` inside `{{ … }}` and `{% … %}` wrapped (see above). */
export function wrapReturningCalls(text: string, names: ReadonlySet<string>): string {
  if (names.size === 0) return text;
  const call = new RegExp(`(?<![.\\w])(${[...names].join("|")})\\s*\\(`, "g");
  return text.replace(/(\{\{|\{%)([\s\S]*?)(\}\}|%\})/g, (all, open: string, inner: string, close: string) =>
    // A macro's own definition and `{% call m() %}` (whose macro renders its caller) stay as written.
    open === "{%" && /^-?\s*(macro|call)\b/.test(inner) ? all : `${open}${wrapExpr(inner, call)}${close}`,
  );
}

function wrapExpr(expr: string, call: RegExp): string {
  let out = "";
  let last = 0;
  const re = new RegExp(call.source, "g");
  for (let m = re.exec(expr); m; m = re.exec(expr)) {
    const open = m.index + m[0].length - 1;
    const close = matchingParen(expr, open);
    if (close < 0) break;
    out += `${expr.slice(last, m.index)}__xorq_ret(__xorq_call(), ${m[1]}(${wrapExpr(expr.slice(open + 1, close), call)}))`;
    last = close + 1;
    re.lastIndex = last;
  }
  return out + expr.slice(last);
}

/** The index of the `)` closing the `(` at `open`, skipping quoted strings; -1 if none. */
function matchingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === "\\") i++;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return -1;
}
