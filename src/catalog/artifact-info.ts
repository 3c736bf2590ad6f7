/**
 * What the catalog needs to know about a build artifact (`builds/<hash>/`, SPEC "Build
 * artifacts"): its hash and model name from metadata.json, and that expr.yaml is there.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { CatalogError } from "./catalog-error.js";
import { ENTRY_HASH } from "./catalog-layout.js";

export interface ArtifactInfo {
  /** The 12-hex short hash that names the artifact's directory. */
  readonly hash: string;
  /** The hash as metadata.json gives it (the short or the full content hash). */
  readonly fullHash: string;
  readonly model: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Reads and checks an artifact directory; errors name the directory and what is wrong. */
export function readArtifactInfo(dir: string): ArtifactInfo {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CatalogError(`${dir} is not a build directory`);
  const metaFile = join(dir, "metadata.json");
  if (!existsSync(metaFile)) throw new CatalogError(`${dir} is not a build artifact: metadata.json is missing`);
  if (!existsSync(join(dir, "expr.yaml"))) throw new CatalogError(`${dir} is not a build artifact: expr.yaml is missing`);
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(readFileSync(metaFile, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new CatalogError(`${metaFile}: not valid JSON (${(e as Error).message})`);
  }
  const fullHash = typeof metadata.hash === "string" ? metadata.hash : null;
  const dirName = basename(dir.replace(/[/\\]+$/, ""));
  const hash = fullHash?.slice(0, 12) ?? dirName;
  if (!ENTRY_HASH.test(hash)) throw new CatalogError(`${metaFile}: 'hash' must be hex digits, got ${JSON.stringify(metadata.hash)}`);
  if (ENTRY_HASH.test(dirName) && dirName !== hash) {
    throw new CatalogError(`${dir}: the directory is named ${dirName} but metadata.json says hash ${fullHash}`);
  }
  const model = typeof metadata.model === "string" ? metadata.model : typeof metadata.name === "string" ? metadata.name : null;
  return { hash, fullHash: fullHash ?? hash, model, metadata };
}
