/**
 * One PostgreSQL session (a `pg.Client`), opened on first use and reopened after a
 * dropped connection, with a lock: the statements of one operation (a transaction, a
 * COPY) must not interleave with another's on the same session.
 *
 * While no operation holds the lock, the session's socket does not keep the process
 * alive (as pg's pool does with `allowExitOnIdle`): a script that never calls
 * `close()` still exits when its work is done.
 */
import { connect } from "node:net";
import type pg from "pg";

export class PostgresSession {
  readonly #connect: () => Promise<pg.Client>;
  #client: Promise<pg.Client> | null = null;
  /** The connected client, once `#client` has resolved. */
  #connected: pg.Client | null = null;
  #queue: Promise<void> = Promise.resolve();
  /** Operations holding or waiting for the lock. */
  #busy = 0;
  /** A client handed out as is (`client()` outside an operation) keeps the process alive until close. */
  #pinned = false;

  constructor(connect: () => Promise<pg.Client>) {
    this.#connect = connect;
  }

  /** The connected client (connecting now if needed). */
  client(): Promise<pg.Client> {
    if (!this.#client) {
      const opening = this.#connect().then((c) => {
        // A dropped connection is reported by the next call; without a listener it would crash the process.
        c.on("error", () => {
          if (this.#client === opening) {
            this.#client = null;
            this.#connected = null;
          }
        });
        this.#connected = c;
        this.#keepAlive();
        return c;
      });
      opening.catch(() => {
        if (this.#client === opening) this.#client = null; // let a later call try again
      });
      this.#client = opening;
    }
    return this.#client;
  }

  /** The client for use outside an operation (e.g. handed to a user): it keeps the process alive from now on. */
  pinnedClient(): Promise<pg.Client> {
    this.#pinned = true;
    this.#keepAlive();
    return this.client();
  }

  /** Waits for the session to be free; call the returned function to free it. */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const previous = this.#queue;
    this.#queue = new Promise<void>((r) => (release = r));
    this.#busy++;
    this.#keepAlive();
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#busy--;
      this.#keepAlive();
      release();
    };
  }

  /** The socket holds the event loop only while an operation needs it. */
  #keepAlive(): void {
    // pg.Client has ref()/unref() (on its socket) since pg 8.1; @types/pg does not declare them.
    const client = this.#connected as (pg.Client & { ref(): void; unref(): void }) | null;
    if (this.#busy > 0 || this.#pinned) client?.ref();
    else client?.unref();
  }

  /** Runs `fn` alone on the session. */
  async exclusive<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn(await this.client());
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    const release = await this.acquire();
    try {
      const client = this.#client;
      this.#client = null;
      this.#connected = null;
      this.#pinned = false;
      if (client) await (await client.catch(() => null))?.end();
    } finally {
      release();
    }
  }
}

/**
 * Asks the server to cancel the session's running statement: a CancelRequest on a new
 * connection, carrying the session's process id and secret key (no login, no password).
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
 */
export function sendCancel(client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4); // the cancel request code
  message.writeInt32BE(processID, 8);
  message.writeInt32BE(secretKey, 12);
  const host = client.host ?? "localhost";
  return new Promise((resolve) => {
    const socket = host.startsWith("/") ? connect(`${host}/.s.PGSQL.${client.port}`) : connect(client.port, host);
    socket.once("connect", () => socket.end(message));
    // The server closes the connection without a reply; a failure leaves the query to finish on its own.
    socket.once("close", () => resolve());
    socket.once("error", () => resolve());
  });
}
