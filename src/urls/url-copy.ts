/**
 * Reads of URLs without DuckDB's downloadable `httpfs` extension: the object is
 * downloaded (streamed, through Node's fetch for HTTP(S), the official client for GCS)
 * into a local copy that DuckDB then reads, and its change signal (HTTP: ETag,
 * Last-Modified, Content-Length; GCS: generation, size, updated) says when the copy is
 * stale. A copy is named by the URL and its signal, so an unchanged object is fetched
 * once per machine and a changed one is fetched again; the URL stays in the expression
 * (hashes do not depend on where copies live).
 *
 * ```ts
 * const sales = await xo.deferredReadParquet("https://example.com/sales.parquet");
 * ```
 *
 * S3 would use `@aws-sdk/client-s3`, which is not installed: `s3://` is refused, naming it.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { extname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { sha256, stableStringify } from "../expr/canonical.js";
import { ExpressionError } from "../expr/errors.js";
import { cacheRoot } from "../cache/cache-dirs.js";

/** What a URL read depends on: the object's version as its server reports it. */
export type UrlSignal = Readonly<Record<string, string | number | null>>;

const URL_SCHEME = /^(https?|s3|gs):\/\//i;

/** Whether a read path is a URL this module fetches (anything else is a local path). */
export function isUrl(path: string): boolean {
  return URL_SCHEME.test(path);
}

/** The object's change signal, asked of its server without downloading it. */
export async function urlSignal(url: string): Promise<UrlSignal> {
  return (await remoteFor(url)).signal();
}

/** A local file holding the object as its signal now describes it (downloaded unless this machine has it). */
export async function localCopy(url: string): Promise<{ readonly path: string; readonly signal: UrlSignal }> {
  const remote = await remoteFor(url);
  const signal = await remote.signal();
  const dir = join(cacheRoot(), "urls");
  const ext = extname(new URL(url).pathname).toLowerCase();
  const path = join(dir, `${sha256(url).slice(0, 32)}-${sha256(stableStringify(signal)).slice(0, 16)}${ext}`);
  if (existsSync(path)) return { path, signal };
  mkdirSync(dir, { recursive: true });
  // Written under a temporary name and renamed: a reader never sees half a file.
  const tmp = join(dir, `.tmp-${randomBytes(6).toString("hex")}${ext}`);
  try {
    await remote.download(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ExpressionError(`cannot download ${url}: ${(e as Error).message}`, { cause: e });
  }
  return { path, signal };
}

interface Remote {
  signal(): Promise<UrlSignal>;
  download(to: string): Promise<void>;
}

async function remoteFor(url: string): Promise<Remote> {
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  if (scheme === "http" || scheme === "https") return httpRemote(url);
  if (scheme === "gs") return gcsRemote(url);
  throw new ExpressionError(`${url}: S3 reads need the @aws-sdk/client-s3 package, which is not installed`);
}

function httpRemote(url: string): Remote {
  return {
    async signal() {
      let res = await fetch(url, { method: "HEAD" });
      // Some servers answer HEAD with 405: the headers of a GET we do not read say the same.
      if (res.status === 405) {
        res = await fetch(url);
        await res.body?.cancel();
      }
      if (!res.ok) throw new ExpressionError(`${url}: HTTP ${res.status} ${res.statusText}`);
      const h = res.headers;
      const signal = { etag: h.get("etag"), last_modified: h.get("last-modified"), content_length: h.get("content-length") };
      if (signal.etag === null && signal.last_modified === null) {
        throw new ExpressionError(`${url}: the server gives neither ETag nor Last-Modified, so a change cannot be seen; download it and read the local file`);
      }
      return signal;
    },
    async download(to) {
      const res = await fetch(url);
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(to));
    },
  };
}

async function gcsRemote(url: string): Promise<Remote> {
  const m = /^gs:\/\/([^/]+)\/(.+)$/i.exec(url);
  if (!m) throw new ExpressionError(`${url}: a GCS URL is gs://BUCKET/OBJECT`);
  const { Storage } = await import("@google-cloud/storage");
  const file = new Storage().bucket(m[1]!).file(m[2]!);
  return {
    async signal() {
      const [meta] = await file.getMetadata();
      return { generation: String(meta.generation ?? ""), size: Number(meta.size ?? 0), updated: meta.updated ?? null };
    },
    async download(to) {
      await file.download({ destination: to });
    },
  };
}
