/**
 * The catalog's on-disk layout: plain files, so `git log` and `git diff` on it read well.
 *
 * ```
 * catalog/
 *   README.md                 # this layout, for people browsing the repository
 *   catalog.json              # {"format": "xorq-catalog", "version": 1}
 *   entries/<hash>/...        # a copy of builds/<hash>/ (expr.yaml, metadata.json, ...) that carries
 *                             # the local files it reads (reads/<content hash>.<ext>);
 *                             # the artifacts it imports are entries too (siblings)
 *   entries/<hash>/result.parquet   # the stored result, when one was stored
 *   entries/<hash>/result.json      # the change signals of its inputs when it was computed
 *   aliases/<name>            # one line: the 12-hex hash the alias points to
 * ```
 */
import { CatalogError } from "./catalog-error.js";

export const ENTRIES_DIR = "entries";
export const ALIASES_DIR = "aliases";
export const MARKER_FILE = "catalog.json";
export const README_FILE = "README.md";
export const RESULT_FILE = "result.parquet";
/** Beside the stored result: the change signals of its inputs when it was computed (see `catalog-results.ts`). */
export const RESULT_SIGNALS_FILE = "result.json";
/** The branch every catalog uses, locally and on its remote. */
export const BRANCH = "main";
export const REMOTE = "origin";

export const MARKER_CONTENT = `${JSON.stringify({ format: "xorq-catalog", version: 1 })}\n`;

/** Entry directories are named by the 12-hex short hash, as build directories are. */
export const ENTRY_HASH = /^[0-9a-f]{12}$/;

export function entryPath(hash: string): string {
  return `${ENTRIES_DIR}/${hash}`;
}

export function aliasPath(name: string): string {
  return `${ALIASES_DIR}/${name}`;
}

/**
 * Alias names are file names: letters, digits, `.`, `_`, `-`, starting with a letter or
 * digit. A name of 12 or more hex digits is refused, so an alias never reads as a hash.
 */
export function checkAliasName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new CatalogError(`invalid alias '${name}': use letters, digits, '.', '_' and '-', starting with a letter or digit`);
  }
  if (/^[0-9a-f]{12,}$/.test(name)) throw new CatalogError(`invalid alias '${name}': it would read as a hash`);
  return name;
}

export const README_CONTENT = `# xorq catalog

A git repository of xorq build artifacts, addressed by the content hash of their
expression, with human-friendly aliases. It is managed with \`xorq catalog ...\`; every
change is one commit, so \`git log\` is its history.

## Layout

| path | content |
| --- | --- |
| \`catalog.json\` | marks this repository as a catalog (format version) |
| \`entries/<hash>/\` | a copy of a build artifact \`builds/<hash>/\`: \`expr.yaml\`, \`sql.yaml\`, \`deferred_reads.yaml\`, \`profiles.yaml\`, \`metadata.json\`, \`memtables/\`, and \`reads/\`: the local files it reads, copied by \`catalog add\` (named by content hash), so the entry runs on any machine |
| \`imports:\` in \`entries/<hash>/expr.yaml\` | the upstream artifacts (node hash -> entry hash) the expression refers to instead of copying their nodes; each is an entry of its own, added in the same commit, so an entry is self-contained together with the entries it imports |
| \`entries/<hash>/result.parquet\` | the stored result of the expression, when one was stored (then \`xorq run\` with this catalog serves it instead of recomputing) |
| \`entries/<hash>/result.json\` | the change signals of the result's inputs (files, tables) when it was computed: it is served only while they still match, else recomputed and stored again |
| \`aliases/<name>\` | one line: the hash the alias points to |

## Collaboration

\`xorq catalog push\` / \`pull\` sync with the \`origin\` remote (any git remote, a local
bare repository included), branch \`main\`. A push the remote rejects because it moved
is retried after a pull. When both sides moved the same alias, the local move wins by
default (\`pull --prefer remote\` keeps the remote's); the other value stays in the
history (\`xorq catalog log <alias>\`) and is reported by the pull and in the merge
commit's message. An alias whose entry the other side removed keeps its entry.
`;
