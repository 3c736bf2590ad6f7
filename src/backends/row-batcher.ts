/**
 * Rows of JS values -> Arrow record batches of a declared schema, for engines whose
 * SDKs hand out rows (Snowflake, BigQuery). Values must already be in a form
 * `ColumnBuilder` accepts (numbers, bigints, decimal/date/timestamp text, booleans,
 * byte arrays); each engine's `*-values.ts` makes them so.
 */
import * as arrow from "apache-arrow";
import type { Schema } from "../expr/data-type.js";
import { toArrowSchema } from "./arrow-types.js";
import { ColumnBuilder } from "./column-builder.js";

/** Rows per batch for SDK row streams (their rows cost far more than the batch bookkeeping). */
export const ROW_BATCH_ROWS = 16_384;

export class RowBatcher {
  readonly #schema: Schema;
  readonly #arrowSchema: arrow.Schema;
  readonly #batchRows: number;
  #builders: ColumnBuilder[];

  constructor(schema: Schema, batchRows = ROW_BATCH_ROWS) {
    this.#schema = schema;
    this.#arrowSchema = toArrowSchema(schema);
    this.#batchRows = batchRows;
    this.#builders = this.#fresh();
  }

  #fresh(): ColumnBuilder[] {
    return this.#schema.map((f) => new ColumnBuilder(f.type, this.#batchRows));
  }

  /** Adds one row (values in schema order); returns a batch when one is full. */
  push(row: ReadonlyArray<unknown>): arrow.RecordBatch | null {
    for (let c = 0; c < this.#builders.length; c++) this.#builders[c]!.append(row[c]);
    return this.#builders[0] && this.#builders[0].length >= this.#batchRows ? this.flush() : null;
  }

  /** The rows so far as a batch (null when there are none). */
  flush(): arrow.RecordBatch | null {
    const length = this.#builders[0]?.length ?? 0;
    if (length === 0) return null;
    const children = this.#builders.map((b) => b.finish());
    this.#builders = this.#fresh();
    const data = arrow.makeData({ type: new arrow.Struct(this.#arrowSchema.fields), length, nullCount: 0, children });
    return new arrow.RecordBatch(this.#arrowSchema, data);
  }
}
