/**
 * Result files: Arrow record batches written as parquet, CSV, JSON or Arrow IPC, and
 * parquet files read back as Arrow. The services' local DuckDB (a connection of its own
 * per call, so its temporary tables meet no one else's) writes the text and parquet
 * formats; every file is written under a temporary name and renamed into place.
 */
import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import * as arrow from "apache-arrow";
import { toArrowSchema } from "../backends/arrow-types.js";
import { parquetScanSql } from "../cache/parquet-io.js";
import type { Schema } from "../expr/data-type.js";
import type { Services } from "../services.js";
import { tempPathFor } from "../util/atomic-write.js";

export type OutputFormat = "parquet" | "csv" | "json" | "arrow";

const FORMATS: Record<string, OutputFormat> = { ".parquet": "parquet", ".csv": "csv", ".json": "json", ".arrow": "arrow", ".feather": "arrow" };

/** A file format from a name's extension; null when it is not one of ours. */
export function formatOf(file: string): OutputFormat | null {
  return FORMATS[extname(file).toLowerCase()] ?? null;
}

const COPY_OPTIONS: Record<Exclude<OutputFormat, "arrow">, string> = {
  parquet: "(FORMAT parquet)",
  csv: "(FORMAT csv, HEADER true)",
  // One JSON array of row objects: what `JSON.parse` of the file gives back.
  json: "(FORMAT json, ARRAY true)",
};

/** Writes batches to `file`; returns the number of rows. */
export async function writeBatches(
  batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
  schema: Schema,
  file: string,
  format: OutputFormat,
  services: Services,
): Promise<number> {
  const tmp = tempPathFor(file);
  let rows = 0;
  async function* counted() {
    for await (const b of batches) {
      rows += b.numRows;
      yield b;
    }
  }
  try {
    if (format === "arrow") {
      const all: arrow.RecordBatch[] = [];
      for await (const b of counted()) all.push(b);
      const table = all.length > 0 ? new arrow.Table(toArrowSchema(schema), all) : new arrow.Table(toArrowSchema(schema));
      await writeFile(tmp, arrow.tableToIPC(table, "file"));
    } else {
      const con = (await services.localEngine()).fork();
      const name = `_xorq_out_${randomBytes(6).toString("hex")}`;
      try {
        await con.ingest(name, schema, counted(), { temporary: true });
        const d = con.dialect;
        await con.run(`COPY ${d.quoteIdentifier(name)} TO ${d.stringLiteral(tmp)} ${COPY_OPTIONS[format]}`);
      } finally {
        await con.close();
      }
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return rows;
}

/** Reads a parquet file as an Arrow table with exactly `schema`'s column types. */
export async function readParquet(path: string, schema: Schema, services: Services): Promise<arrow.Table> {
  const con = (await services.localEngine()).fork();
  try {
    const batches: arrow.RecordBatch[] = [];
    for await (const b of con.stream(parquetScanSql(con, path, schema), schema)) batches.push(b);
    return batches.length > 0 ? new arrow.Table(toArrowSchema(schema), batches) : new arrow.Table(toArrowSchema(schema));
  } finally {
    await con.close();
  }
}
