/**
 * dbt's reference syntax in SQL models: `{{ ref('model') }}`, `{{ source('name') }}`,
 * `{{ var('name') }}` (optionally `{{ var('name', default) }}`), and YAML front matter
 * between `---` lines at the top of a `.sql` file. This is the fast path: a model using
 * only these forms is read without a Jinja engine (its inputs are known without running
 * anything); a `.sql` file using more renders through MiniJinja (jinja/jinja-kind.ts), and
 * a YAML model's `sql:` is limited to these forms.
 */

export interface TemplatePos {
  /** 1-based line and column in the file. */
  readonly line: number;
  readonly col: number;
}

export type TemplatePart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "ref" | "source"; readonly name: string; readonly pos: TemplatePos }
  | { readonly kind: "var"; readonly name: string; readonly fallback: unknown; readonly hasFallback: boolean; readonly pos: TemplatePos };

export interface TemplateError {
  readonly message: string;
  readonly pos: TemplatePos;
}

export interface SqlFile {
  /** The front matter's text (without the `---` lines), or null. */
  readonly frontMatter: string | null;
  /** 1-based line where the front matter's text starts (for its errors). */
  readonly frontMatterLine: number;
  /** The SQL after the front matter. */
  readonly body: string;
  /** 1-based line where the body starts. */
  readonly bodyLine: number;
}

/** Splits a `.sql` file into optional YAML front matter and the SQL body. */
export function splitFrontMatter(text: string): SqlFile | { readonly error: TemplateError } {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const first = /^---[ \t]*\r?\n/.exec(src);
  if (!first) return { frontMatter: null, frontMatterLine: 1, body: src, bodyLine: 1 };
  const close = /^---[ \t]*(?:\r?\n|$)/m;
  const rest = src.slice(first[0].length);
  const m = close.exec(rest);
  if (!m) return { error: { message: "front matter opened with '---' is never closed (add a '---' line after it)", pos: { line: 1, col: 1 } } };
  const frontMatter = rest.slice(0, m.index);
  const body = rest.slice(m.index + m[0].length);
  const fmLines = frontMatter.split("\n").length - 1;
  return { frontMatter, frontMatterLine: 2, body, bodyLine: 2 + fmLines + 1 };
}

const CALL = /^\s*(ref|source|var)\s*\(\s*(['"])([^'"]+)\2\s*(?:,\s*([\s\S]+?))?\s*\)\s*$/;

/** Parses the `{{ … }}` blocks of a SQL body; `startLine` is the body's first line in the file. */
export function parseSqlTemplate(body: string, startLine = 1): { parts: TemplatePart[]; errors: TemplateError[] } {
  const parts: TemplatePart[] = [];
  const errors: TemplateError[] = [];
  const lineStarts = [0];
  for (let i = 0; i < body.length; i++) if (body[i] === "\n") lineStarts.push(i + 1);
  const posAt = (offset: number): TemplatePos => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: startLine + lo, col: offset - lineStarts[lo]! + 1 };
  };
  const open = /\{\{|\{%|\{#/g;
  let last = 0;
  for (let m = open.exec(body); m; m = open.exec(body)) {
    const start = m.index;
    if (m[0] !== "{{") {
      errors.push({ message: `Jinja ${m[0] === "{%" ? "statements ({% … %})" : "comments ({# … #})"} are not supported in a YAML model's sql:; write the model as a .sql file to use Jinja`, pos: posAt(start) });
      continue;
    }
    const end = body.indexOf("}}", start + 2);
    if (end < 0) {
      errors.push({ message: "'{{' is never closed with '}}'", pos: posAt(start) });
      break;
    }
    if (start > last) parts.push({ kind: "text", text: body.slice(last, start) });
    const inner = body.slice(start + 2, end);
    const call = CALL.exec(inner);
    if (!call) {
      errors.push({ message: `unsupported template expression '{{${inner}}}' in a YAML model's sql: (expected {{ ref('model') }}, {{ source('name') }} or {{ var('name') }}); write the model as a .sql file to use Jinja`, pos: posAt(start) });
    } else {
      const [, fn, , name, extra] = call;
      const pos = posAt(start);
      if (fn === "var") {
        let fallback: unknown = null;
        if (extra !== undefined) {
          try {
            fallback = parseFallback(extra);
          } catch {
            errors.push({ message: `var('${name}', …): the default must be a number, a quoted string, true, false or null`, pos });
          }
        }
        parts.push({ kind: "var", name: name!, fallback, hasFallback: extra !== undefined, pos });
      } else if (extra !== undefined) {
        errors.push({ message: `${fn}() takes one name`, pos });
      } else {
        parts.push({ kind: fn as "ref" | "source", name: name!, pos });
      }
    }
    last = end + 2;
    open.lastIndex = last;
  }
  if (last < body.length) parts.push({ kind: "text", text: body.slice(last) });
  return { parts, errors };
}

function parseFallback(text: string): unknown {
  const t = text.trim();
  if (/^'.*'$/s.test(t)) return t.slice(1, -1).replaceAll("\\'", "'");
  return JSON.parse(t);
}

/** How a var's value is written into SQL: as text, as dbt does (quote strings in the SQL yourself). */
export function varText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Writes the SQL: refs and sources become the names their inputs are visible under;
 * vars become their values (from `vars`, else the template's default).
 */
export function renderSqlTemplate(
  parts: ReadonlyArray<TemplatePart>,
  names: { ref(name: string): string; source(name: string): string },
  vars: Readonly<Record<string, unknown>>,
): string {
  let out = "";
  for (const p of parts) {
    if (p.kind === "text") out += p.text;
    else if (p.kind === "ref") out += names.ref(p.name);
    else if (p.kind === "source") out += names.source(p.name);
    else if (p.kind === "var") out += varText(p.name in vars ? vars[p.name] : p.fallback);
  }
  return out;
}

/** The template with refs and sources rendered but `{{ var(…) }}` kept (what a var override re-renders). */
export function renderKeepingVars(
  parts: ReadonlyArray<TemplatePart>,
  names: { ref(name: string): string; source(name: string): string },
): string {
  let out = "";
  for (const p of parts) {
    if (p.kind === "text") out += p.text;
    else if (p.kind === "ref") out += names.ref(p.name);
    else if (p.kind === "source") out += names.source(p.name);
    else if (p.kind === "var") out += `{{ var('${p.name}'${p.hasFallback ? `, ${JSON.stringify(p.fallback)}` : ""}) }}`;
  }
  return out;
}

/**
 * The CTE names a query defines itself (`with orders as (…), x (a, b) as (…)`), lower-cased.
 * Found on the query's text, so only names written literally count (a name made by a
 * template expression cannot be seen before rendering, and dbt projects do not make them).
 */
export function definedCteNames(query: string): Set<string> {
  const out = new Set<string>();
  const cte = /(?:\bwith(?:\s+recursive)?|,)\s*(?:"([^"]+)"|([A-Za-z_][\w$]*))\s*(?:\([^()]*\)\s*)?as\s*(?:not\s+)?(?:materialized\s*)?\(/gi;
  for (let m = cte.exec(query); m; m = cte.exec(query)) out.add((m[1] ?? m[2]!).toLowerCase());
  return out;
}

/**
 * The names a SQL model's inputs are visible under in its query: a model's or source's
 * own name, so existing queries (and their hashes) stay as written; for a table of a
 * dbt-style source (`ecom.raw_orders`), the table's name; `source__name` when a model of
 * that name is an input too (or another source's table of that name); and `ref__name` /
 * `source__name` when the query defines a CTE of that name itself (dbt's style guide:
 * `with orders as (select * from {{ ref('orders') }})`), since the inputs are CTEs put in
 * front of the query's own.
 */
export function inputNames(refs: Iterable<string>, sources: Iterable<string>, ctes: ReadonlySet<string>): { ref(n: string): string; source(n: string): string } {
  const refNames = new Set(refs);
  const tableOf = (n: string) => n.slice(n.lastIndexOf(".") + 1);
  const bases = new Map<string, number>();
  for (const n of new Set(sources)) bases.set(tableOf(n), (bases.get(tableOf(n)) ?? 0) + 1);
  const taken = (n: string) => ctes.has(n.toLowerCase());
  const free = (n: string) => {
    let out = n;
    while (taken(out)) out += "_";
    return out;
  };
  return {
    ref: (n) => (taken(n) ? free(`ref__${n}`) : n),
    source: (n) => {
      const base = tableOf(n);
      return refNames.has(base) || taken(base) || bases.get(base)! > 1 ? free(`source__${n.replaceAll(".", "__")}`) : base;
    },
  };
}

/** The literal SQL text of a parsed template (what `definedCteNames` reads). */
export function templateText(parts: ReadonlyArray<TemplatePart>): string {
  return parts.map((p) => (p.kind === "text" ? p.text : " _ ")).join("");
}
