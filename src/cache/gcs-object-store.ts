/**
 * An object store in a Google Cloud Storage bucket, over the JSON API
 * (https://cloud.google.com/storage/docs/json_api). An upload becomes visible only once
 * complete, so a killed writer leaves nothing; two writers of one key each publish a
 * whole object and the last one stays.
 *
 * Credentials come from Application Default Credentials through `google-auth-library`
 * (installed with `@google-cloud/bigquery`). `@google-cloud/storage`, the official
 * client, is not a dependency yet; this store is what it would replace.
 * `STORAGE_EMULATOR_HOST` points it at an emulator, as it does the official client.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FetchedObject, ObjectInfo, ObjectStore } from "./object-store.js";

const SCOPE = "https://www.googleapis.com/auth/devstorage.read_write";

/** Produces an OAuth access token, or null when talking to an emulator. */
export type TokenSource = () => Promise<string | null>;

/** Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud login, metadata server). */
export function defaultTokenSource(): TokenSource {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | null = null;
  return async () => {
    if (process.env.STORAGE_EMULATOR_HOST) return null;
    auth ??= import("google-auth-library").then(({ GoogleAuth }) => new GoogleAuth({ scopes: [SCOPE] }));
    const token = await (await auth).getAccessToken();
    if (!token) throw new Error("no Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS or run `gcloud auth application-default login`");
    return token;
  };
}

export class GcsObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #token: TokenSource;
  readonly #endpoint: string;

  constructor(bucket: string, prefix = "xorq-cache/", token: TokenSource = defaultTokenSource()) {
    this.bucket = bucket;
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.#token = token;
    this.#endpoint = (process.env.STORAGE_EMULATOR_HOST ?? "https://storage.googleapis.com").replace(/\/$/, "");
  }

  get location(): string {
    return `gs://${this.bucket}/${this.prefix}`;
  }

  /** The JSON API URL of an object's metadata (`?alt=media` for its bytes). */
  objectUrl(name: string): string {
    return `${this.#endpoint}/storage/v1/b/${encodeURIComponent(this.bucket)}/o/${encodeURIComponent(this.prefix + name)}`;
  }

  /** The simple-upload URL of an object. */
  uploadUrl(name: string): string {
    return `${this.#endpoint}/upload/storage/v1/b/${encodeURIComponent(this.bucket)}/o?uploadType=media&name=${encodeURIComponent(this.prefix + name)}`;
  }

  /** The listing URL of the store's objects, one page at a time. */
  listUrl(pageToken?: string): string {
    const q = new URLSearchParams({ prefix: this.prefix, fields: "items(name,size,updated),nextPageToken" });
    if (pageToken) q.set("pageToken", pageToken);
    return `${this.#endpoint}/storage/v1/b/${encodeURIComponent(this.bucket)}/o?${q}`;
  }

  async #request(url: string, init: RequestInit & { duplex?: "half" } = {}, allow: ReadonlyArray<number> = []): Promise<Response> {
    const token = await this.#token();
    const headers = new Headers(init.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    const res = await fetch(url, { ...init, headers });
    if (!res.ok && !allow.includes(res.status)) {
      const body = await res.text().catch(() => "");
      throw new Error(`GCS ${init.method ?? "GET"} ${url} failed: ${res.status} ${res.statusText} ${body.slice(0, 300)}`);
    }
    return res;
  }

  async stat(name: string): Promise<ObjectInfo | null> {
    const res = await this.#request(`${this.objectUrl(name)}?fields=name,size,updated`, {}, [404]);
    if (res.status === 404) return null;
    return this.#info((await res.json()) as GcsObject);
  }

  #info(o: GcsObject): ObjectInfo {
    return { name: o.name.slice(this.prefix.length), size: Number(o.size), writtenMs: Date.parse(o.updated) };
  }

  async stagingPath(name: string): Promise<string> {
    return join(tmpdir(), `xorq-gcs-${process.pid}-${randomBytes(4).toString("hex")}-${name}`);
  }

  async publish(staged: string, name: string): Promise<void> {
    try {
      const { size } = await stat(staged);
      await this.#request(this.uploadUrl(name), {
        method: "POST",
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
        body: Readable.toWeb(createReadStream(staged)) as unknown as BodyInit,
        duplex: "half",
      });
    } finally {
      await rm(staged, { force: true });
    }
  }

  async fetch(name: string): Promise<FetchedObject> {
    const path = await this.stagingPath(name);
    const res = await this.#request(`${this.objectUrl(name)}?alt=media`);
    try {
      await pipeline(Readable.fromWeb(res.body! as import("node:stream/web").ReadableStream), createWriteStream(path));
    } catch (e) {
      await rm(path, { force: true });
      throw e;
    }
    return { path, inPlace: false, release: () => rm(path, { force: true }) };
  }

  async list(): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = (await (await this.#request(this.listUrl(pageToken))).json()) as { items?: GcsObject[]; nextPageToken?: string };
      for (const o of page.items ?? []) out.push(this.#info(o));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async delete(name: string): Promise<void> {
    await this.#request(this.objectUrl(name), { method: "DELETE" }, [404]);
  }
}

interface GcsObject {
  readonly name: string;
  readonly size: string;
  readonly updated: string;
}
