/**
 * What the documentation site shows, as plain JSON data: an index (the DAG, with what
 * the search box and the badges need) that the page loads first, and one page per model
 * and source, loaded when it is opened (a 10,000-model site opens without reading every
 * model's SQL and lineage). `collectDocs` fills them from a loaded project; the browser
 * app (`docs-app.ts`) reads them; the site writer writes them as scripts, since a page
 * opened from `file://` may run scripts but not fetch files.
 */
import type { SegmentFact } from "../artifacts/expr-facts.js";
import type { LineageJsonNode } from "../lineage/lineage-render.js";

/** A model or a source, as the DAG draws it and the selector grammar sees it. */
export interface DocsNode {
  /** `model.<name>` or `source.<name>`: models and sources may share a name. */
  readonly id: string;
  readonly type: "model" | "source";
  readonly name: string;
  /** yaml, sql or ts for a model; csv, parquet or table for a source. */
  readonly kind: string;
  /** The profile it runs in (a source: where it is read). */
  readonly engine: string;
  readonly tags: ReadonlyArray<string>;
  /** Relative to xorq_project/. */
  readonly file: string;
  /** The models it refs (models only). */
  readonly parents: ReadonlyArray<string>;
  /** The models that ref it, or that read the source. */
  readonly children: ReadonlyArray<string>;
  /** The sources a model reads. */
  readonly sources: ReadonlyArray<string>;
  /** "parquet · snapshot · ttl 1d", or null when the model is not cached. */
  readonly cache: string | null;
  /** `table` / `view` for a model `xorq run` leaves in its engine; null for ephemeral models and sources. */
  readonly materialized: string | null;
  /** The worst status of its tests in the last `xorq test` (pass, warn, fail, error), null when none ran. */
  readonly tests: string | null;
  /** The status of its last run in target/run_results.json, when there is one. */
  readonly run: string | null;
  /** Engine segments of the model's own SQL beyond the first: its engine hops. */
  readonly hops: number;
  /** The page's script, relative to the site. */
  readonly page: string;
}

/** An edge of the DAG: input -> consumer, marked when the rows move to another engine. */
export interface DocsEdge {
  readonly from: string;
  readonly to: string;
  /** `duckdb → postgres` (the two profiles), when the consumer runs elsewhere. */
  readonly hop: string | null;
}

export interface DocsEngine {
  readonly name: string;
  readonly kind: string;
}

export interface DocsIndex {
  readonly project: { readonly name: string; readonly descriptionHtml: string | null };
  readonly engines: ReadonlyArray<DocsEngine>;
  /** Models in dependency order (inputs first), then sources sorted by name. */
  readonly nodes: ReadonlyArray<DocsNode>;
  readonly edges: ReadonlyArray<DocsEdge>;
  /** Whether target/run_results.json was found. */
  readonly hasRunResults: boolean;
}

export interface DocsColumn {
  readonly name: string;
  readonly type: string;
  /** Its declared description (`columns:` or a properties file), or null. */
  readonly description: string | null;
  /** The data tests declared on it (`unique`, `not_null`, ...). */
  readonly tests: ReadonlyArray<string>;
}

/** One data test's last result, from `target/test_results.json`. */
export interface DocsTestResult {
  readonly name: string;
  readonly test: string;
  readonly column: string | null;
  readonly status: string;
  readonly failures: number | null;
}

export interface DocsRunResult {
  readonly status: string;
  readonly rows: number | null;
  readonly ms: number;
  readonly message: string | null;
  /** False when the run was of another version of the model (its hash differs). */
  readonly current: boolean;
}

/**
 * A column's lineage tree, numbered as `xorq lineage --column C --json` prints it, down
 * to the model's sources and input models (`Model:<name>` leaves; `model-lineage.ts`).
 */
export interface DocsLineage {
  readonly column: string;
  readonly tree: LineageJsonNode;
}

export interface DocsPage {
  readonly id: string;
  readonly type: "model" | "source";
  readonly name: string;
  readonly descriptionHtml: string | null;
  readonly file: string;
  readonly kind: string;
  readonly engine: string;
  readonly engineKind: string;
  readonly tags: ReadonlyArray<string>;
  readonly cache: string | null;
  readonly materialized: string | null;
  /** The environment views the model is served by (`prod` and the project's default environment). */
  readonly relations: ReadonlyArray<{ readonly env: string; readonly relation: string }>;
  /** The full content hash, and the artifact directory it names (`builds/<hash12>`). */
  readonly hash: string;
  readonly build: string | null;
  readonly columns: ReadonlyArray<DocsColumn>;
  /** Its tests' results in the last `xorq test` (empty when none ran). */
  readonly tests: ReadonlyArray<DocsTestResult>;
  /** The model's file (a source: its declaration's file), and how to highlight it. */
  readonly code: { readonly language: string; readonly text: string } | null;
  /** Where a source reads from: a file path or a table. */
  readonly reads: string | null;
  /** The compiled SQL of each engine segment, inputs first (as sql.yaml lists them). */
  readonly segments: ReadonlyArray<SegmentFact>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly run: DocsRunResult | null;
  readonly lineage: ReadonlyArray<DocsLineage>;
  /** What the model's rows come from (see `model-lineage.ts`); null for a source, or without lineage. */
  readonly rows: LineageJsonNode | null;
  /** Why the lineage is missing, when it could not be traced. */
  readonly lineageError: string | null;
}

export interface DocsSite {
  readonly index: DocsIndex;
  /** One per node of the index, in its order. */
  readonly pages: ReadonlyArray<DocsPage>;
}
