// A tiny Kafka client for tests that must send exactly the request they
// mean (bad input, chosen versions): one TCP connection, requests encoded
// with the project's codecs, responses read back in order.

import { Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import type { RequestOf, ResponseOf } from '../../src/api/handler.ts';
import { codecFor } from '../../src/protocol/codec.ts';
import { FrameReader } from '../../src/protocol/frame-reader.ts';
import {
  readResponseHeader,
  responseHeaderIsFlexible,
  writeRequestHeader,
} from '../../src/protocol/headers.ts';
import { Reader } from '../../src/protocol/reader.ts';
import type { ApiDef } from '../../src/protocol/schema.ts';
import { Writer } from '../../src/protocol/writer.ts';

/** Large enough for any response a test asks for; a bigger claim fails the waiting requests. */
const RESPONSE_SIZE_BYTES_MAX = 256 * 1024 * 1024;

interface Waiting {
  readonly correlationId: number;
  resolve(body: Buffer): void;
  reject(err: Error): void;
}

export class RawClient {
  private readonly waiting: Waiting[] = [];
  private readonly frames = new FrameReader(RESPONSE_SIZE_BYTES_MAX);
  private nextCorrelationId = 1;
  /** Settles when the broker (or we) closed the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(err));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.failAll(new Error('connection closed'));
        resolve();
      });
    });
  }

  /** Connects over TCP, or over TLS when `tls` is given. */
  static connect(bootstrap: string, tls?: ConnectionOptions): Promise<RawClient> {
    const colon = bootstrap.lastIndexOf(':');
    const host = bootstrap.slice(0, colon);
    const port = Number(bootstrap.slice(colon + 1));
    return new Promise((resolve, reject) => {
      if (tls !== undefined) {
        const socket = connectTls({ ...tls, host, port }, () => {
          socket.off('error', reject);
          resolve(new RawClient(socket));
        });
        socket.once('error', reject);
        return;
      }
      const socket = new Socket();
      socket.once('error', reject);
      socket.connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Writes bytes as they are (a bad frame, a raw SASL token with its size prefix). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next whole frame's payload, for answers that are not Kafka responses (raw SASL). */
  nextRawFrame(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ correlationId: -1, resolve, reject });
    });
  }

  /** Sends one request at `version` and resolves with the decoded response. */
  async send<A extends ApiDef>(
    api: A,
    version: number,
    body: RequestOf<A>,
  ): Promise<ResponseOf<A>> {
    const requestCodec = codecFor(api.request).at(version);
    const responseCodec = codecFor(api.response).at(version);
    const correlationId = this.nextCorrelationId++;
    const w = new Writer();
    const setSize = w.reserveInt32();
    writeRequestHeader(
      w,
      { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: 'raw-client' },
      requestCodec.flexible,
    );
    requestCodec.encode(w, body as never);
    setSize(w.length - 4);
    const frame = w.toBuffer();
    const responseBody = new Promise<Buffer>((resolve, reject) => {
      this.waiting.push({ correlationId, resolve, reject });
    });
    this.socket.write(frame);
    const bytes = await responseBody;
    const r = new Reader(bytes);
    const got = readResponseHeader(r, responseHeaderIsFlexible(api.apiKey, responseCodec.flexible));
    if (got !== correlationId) throw new Error(`correlation id ${got}, expected ${correlationId}`);
    return responseCodec.decode(r) as unknown as ResponseOf<A>;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    // A raw SASL token may be empty (PLAIN's answer after a v0 handshake): a Kafka frame never is.
    if (this.waiting[0]?.correlationId === -1 && chunk.length >= 4 && chunk.readInt32BE(0) === 0) {
      this.waiting.shift()?.resolve(Buffer.alloc(0));
      if (chunk.length === 4) return;
      chunk = chunk.subarray(4);
    }
    for (const body of this.frames.push(chunk)) this.waiting.shift()?.resolve(body);
    if (this.frames.error !== null) {
      this.failAll(this.frames.error);
      this.socket.destroy();
    }
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(err);
  }
}
