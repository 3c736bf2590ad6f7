/**
 * `COPY ... TO STDOUT` as a `pg` submittable that reads the protocol bytes itself and
 * hands each CopyData message to a callback as a range of the socket's buffer: no
 * Buffer object per row. (pg-copy-streams' reader, which this follows, concatenates
 * message payloads into new buffers, which cost a third of the read path.)
 *
 * While the COPY runs, the query takes the connection's socket from `pg` (paused, read
 * on demand, so an unread result holds back the server instead of filling memory) and
 * gives it back at the first message that is not part of the copy data
 * (CommandComplete or ErrorResponse), which `pg` then handles as usual.
 * Protocol: https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
 */
import type { Readable } from "node:stream";

/** Receives one CopyData payload: `buf[start, end)`. For COPY TO, the server sends one message per row. */
export type CopyDataHandler = (buf: Buffer, start: number, end: number) => void;

const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'
const COPY_DONE = 0x63; // 'c'
const NOTICE = 0x4e; // 'N'
const PARAMETER_STATUS = 0x53; // 'S'
const NOTIFICATION = 0x41; // 'A'

interface PgConnection {
  readonly stream: Readable;
  query(text: string): void;
}

export class CopyOutQuery {
  readonly text: string;
  #stream: Readable | null = null;
  #pgDataHandler: ((chunk: Buffer) => void) | null = null;
  #onData: CopyDataHandler;
  /** A message whose bytes span socket chunks, being completed. */
  #partial: Buffer | null = null;
  #partialFilled = 0;
  #detached = false;
  #finished = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  readonly #wakeUp = () => {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  };

  constructor(text: string, onData: CopyDataHandler) {
    this.text = text;
    this.#onData = onData;
  }

  /** Called by `pg` when the query's turn comes. */
  submit(connection: PgConnection): void {
    const stream = connection.stream;
    const listeners = stream.listeners("data") as Array<(chunk: Buffer) => void>;
    if (listeners.length !== 1) throw new Error(`unexpected pg connection state (${listeners.length} data listeners)`);
    this.#pgDataHandler = listeners[0]!;
    stream.removeListener("data", this.#pgDataHandler);
    stream.pause();
    stream.on("readable", this.#wakeUp);
    stream.on("close", this.#onClose);
    this.#stream = stream;
    connection.query(this.text);
    this.#wakeUp();
  }

  readonly #onClose = () => {
    this.#error ??= new Error("the connection closed during COPY");
    this.#wakeUp();
  };

  /** Replaces the data callback (e.g. with one that discards, after the consumer left). */
  set onData(handler: CopyDataHandler) {
    this.#onData = handler;
  }

  /**
   * Reads and dispatches whatever the socket has buffered. Returns false once the copy
   * data is over and the connection is back with `pg` (wait for `done()` then).
   */
  pump(): boolean {
    if (this.#detached) return false;
    const stream = this.#stream;
    if (!stream) return true; // not submitted yet: still queued behind other queries
    let chunk: Buffer | null;
    while ((chunk = stream.read() as Buffer | null) !== null) {
      const rest = this.#parse(chunk);
      if (rest !== null) {
        this.#detach(rest);
        return false;
      }
    }
    return true;
  }

  /** Waits until the socket has more bytes, the query ends, or it fails. */
  waitForData(): Promise<void> {
    if (this.#error || this.#finished || this.#detached) return Promise.resolve();
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Resolves when `pg` has seen the end of the command (or rejects with the server's error). */
  async done(): Promise<void> {
    while (!this.#finished && !this.#error) await new Promise<void>((resolve) => (this.#wake = resolve));
    if (this.#error) throw this.#error;
  }

  get error(): Error | null {
    return this.#error;
  }

  /** Parses a socket chunk; returns the bytes from the first non-copy message on, or null. */
  #parse(chunk: Buffer): Buffer | null {
    let pos = 0;
    const end = chunk.length;
    if (this.#partial) {
      const p = this.#partial;
      if (this.#partialFilled < 5) {
        // Only part of the 5-byte header so far: complete it to learn the length.
        const take = Math.min(5 - this.#partialFilled, end);
        chunk.copy(p, this.#partialFilled, 0, take);
        this.#partialFilled += take;
        pos = take;
        if (this.#partialFilled < 5) return null;
        const whole = 1 + p.readUInt32BE(1);
        const grown = Buffer.allocUnsafe(whole);
        p.copy(grown, 0, 0, 5);
        this.#partial = grown;
      }
      const msg = this.#partial!;
      const take = Math.min(msg.length - this.#partialFilled, end - pos);
      chunk.copy(msg, this.#partialFilled, pos, pos + take);
      this.#partialFilled += take;
      pos += take;
      if (this.#partialFilled < msg.length) return null;
      this.#partial = null;
      if (!this.#dispatch(msg, 0, msg.length)) return Buffer.concat([msg, chunk.subarray(pos)]);
    }
    while (pos < end) {
      if (end - pos < 5) {
        this.#keep(chunk, pos, end);
        return null;
      }
      const total = 1 + chunk.readUInt32BE(pos + 1);
      if (end - pos < total) {
        this.#keep(chunk, pos, end);
        return null;
      }
      if (!this.#dispatch(chunk, pos, pos + total)) return chunk.subarray(pos);
      pos += total;
    }
    return null;
  }

  #keep(chunk: Buffer, from: number, end: number): void {
    const have = end - from;
    const total = have >= 5 ? 1 + chunk.readUInt32BE(from + 1) : 5;
    this.#partial = Buffer.allocUnsafe(total);
    chunk.copy(this.#partial, 0, from, end);
    this.#partialFilled = have;
  }

  /** Handles one whole message; false when it ends the copy data. */
  #dispatch(buf: Buffer, start: number, end: number): boolean {
    switch (buf[start]) {
      case COPY_DATA:
        this.#onData(buf, start + 5, end);
        return true;
      case COPY_OUT_RESPONSE:
      case COPY_DONE:
      case NOTICE:
      case PARAMETER_STATUS:
      case NOTIFICATION:
        return true;
      default:
        return false; // CommandComplete, ErrorResponse, ...: pg's business
    }
  }

  /** Gives the socket back to pg, with the bytes it has not seen yet. */
  #detach(rest: Buffer): void {
    const stream = this.#stream!;
    this.#detached = true;
    stream.removeListener("readable", this.#wakeUp);
    stream.removeListener("close", this.#onClose);
    stream.on("data", this.#pgDataHandler!);
    this.#pgDataHandler!(rest);
    // As in pg-copy-streams: resume after the current tick, once pg's handler has run.
    process.nextTick(() => stream.resume());
    this.#wakeUp();
  }

  // Called by pg once it has the connection back.
  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.#finished = true;
    this.#wakeUp();
  }

  handleError(err: Error): void {
    this.#error = err;
    this.#wakeUp();
  }

  /** pg calls this for queries that are cancelled before they start. */
  callback(): void {}
}
