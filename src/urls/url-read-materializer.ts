/**
 * Serves `read` nodes of URLs during execution (see `url-copy.ts`): the engine that
 * consumes the read gets the rows of the local copy, a view over it in a DuckDB that
 * reads files, else a temporary table the run fills from the local engine and drops.
 */
import { canReadFiles } from "../backends/backend.js";
import type { Materializer } from "../backends/executor.js";
import { nodeHash } from "../expr/canonical.js";
import { isUrl, localCopy } from "./url-copy.js";

export function createUrlReadMaterializer(): Materializer {
  return async (node, run, backend) => {
    if (node.kind !== "read" || !isUrl(node.path)) return null;
    const { path } = await localCopy(node.path);
    const name = `_xorq_url_${nodeHash(node).slice(0, 32)}`;
    if (canReadFiles(backend) && backend.dialect.readsFiles) {
      // Named by the read: every run on this connection defines the same view, over the copy current now.
      await backend.run(`CREATE OR REPLACE TEMP VIEW ${backend.dialect.quoteIdentifier(name)} AS SELECT * FROM ${backend.dialect.readFile(node.format, path, node.options)}`);
      return name;
    }
    const reader = (await backend.fileReader?.()) ?? (await run.localEngine());
    const sql = `SELECT * FROM ${reader.dialect.readFile(node.format, path, node.options)}`;
    await run.moveInto(backend, name, node.schema, () => reader.stream(sql, node.schema), node);
    return name;
  };
}
