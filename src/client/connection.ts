// One TCP connection to one broker: connect with an explicit timeout (a SYN
// into a partitioned address is otherwise retried by the kernel for minutes),
// negotiate versions with ApiVersions, then send requests framed with the
// project's codecs, each with its own timeout, and match responses by
// correlation id. A timed-out request closes the connection, since the
// responses that follow it can no longer be trusted to line up.

import { Socket } from 'node:net';
import { ApiVersions } from '../protocol/apis/api-versions.ts';
import { codecFor, type MessageValue } from '../protocol/codec.ts';
import {
  API_VERSIONS_KEY,
  readResponseHeader,
  responseHeaderIsFlexible,
  writeRequestHeader,
} from '../protocol/headers.ts';
import { Reader } from '../protocol/reader.ts';
import type { ApiDef } from '../protocol/schema.ts';
import { Writer } from '../protocol/writer.ts';
import {
  ConnectionError,
  ErrorCode,
  kafkaError,
  TimeoutError,
  UnsupportedVersionError,
} from './errors.ts';
import {
  type BrokerVersions,
  brokerVersionsFrom,
  highestCommonVersion,
  ourVersions,
  versionFor,
} from './version-negotiation.ts';

export type RequestBody<A extends ApiDef> = MessageValue<A['request']>;
export type ResponseBody<A extends ApiDef> = MessageValue<A['response']>;

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Largest response frame accepted before the connection is dropped. */
  readonly responseSizeBytesMax?: number;
}

export interface SendOptions {
  /** A version to use instead of the negotiated one. */
  readonly version?: number;
  /** Replaces the connection's request timeout (a long-poll fetch waits longer). */
  readonly timeoutMs?: number;
}

interface Pending {
  resolve(body: Buffer): void;
  reject(err: Error): void;
  readonly timer: NodeJS.Timeout;
}

const RESPONSE_SIZE_BYTES_MAX = 128 * 1024 * 1024;
const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed by peer',
};

function describeSocketError(err: Error): string {
  const code = 'code' in err && typeof err.code === 'string' ? err.code : '';
  return SOCKET_ERRORS[code] ?? err.message;
}

/** Opens a TCP connection, failing after connectTimeoutMs instead of the kernel's SYN retries. */
function connectSocket(opts: ConnectionOptions): Promise<Socket> {
  const address = `${opts.host}:${opts.port}`;
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new TimeoutError(`Connection to ${address} timed out after ${opts.connectTimeoutMs} ms`),
      );
    }, opts.connectTimeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new ConnectionError(
          address,
          `Connection to ${address} failed: ${describeSocketError(err)}`,
        ),
      );
    });
    socket.connect({ host: opts.host, port: opts.port }, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

export class BrokerConnection {
  readonly address: string;
  private readonly pending = new Map<number, Pending>();
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private frameBytes = -1;
  private nextCorrelationId = 1;
  private failure: Error | null = null;
  private versions: BrokerVersions = new Map();

  private constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.address = `${opts.host}:${opts.port}`;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(this.lost(describeSocketError(err))));
    socket.on('close', () => this.fail(this.lost('connection closed')));
  }

  /** Connects and negotiates API versions; the connection is ready for any request. */
  static async open(opts: ConnectionOptions): Promise<BrokerConnection> {
    const conn = new BrokerConnection(await connectSocket(opts), opts);
    try {
      await conn.negotiateVersions();
    } catch (err) {
      conn.close();
      throw err;
    }
    return conn;
  }

  get isOpen(): boolean {
    return this.failure === null;
  }

  /** The negotiated version for `api`; throws when the broker speaks none we do. */
  versionFor(api: ApiDef): number {
    const v = versionFor(api, this.versions);
    if (v === null) {
      throw new UnsupportedVersionError(
        `The broker at ${this.address} supports no version of ${api.name} that this client speaks`,
      );
    }
    return v;
  }

  /** True when the broker advertises a version of `api` we speak. */
  supports(api: ApiDef): boolean {
    return versionFor(api, this.versions) !== null;
  }

  async send<A extends ApiDef>(
    api: A,
    body: RequestBody<A>,
    options: SendOptions = {},
  ): Promise<ResponseBody<A>> {
    const version = options.version ?? this.versionFor(api);
    const responseCodec = codecFor(api.response).at(version);
    const frame = this.encode(api, version, body);
    const bytes = await this.roundTrip(frame.correlationId, frame.bytes, options.timeoutMs);
    const r = new Reader(bytes);
    readResponseHeader(r, responseHeaderIsFlexible(api.apiKey, responseCodec.flexible));
    try {
      return responseCodec.decode(r) as unknown as ResponseBody<A>;
    } catch (err) {
      throw new Error(
        `Could not decode ${api.name} v${version} from ${this.address}: ${String(err)}`,
      );
    }
  }

  /** Sends a request the broker will not answer (Produce with acks=0). */
  sendWithoutResponse<A extends ApiDef>(api: A, body: RequestBody<A>): void {
    if (this.failure !== null) throw this.failure;
    const frame = this.encode(api, this.versionFor(api), body);
    this.socket.write(frame.bytes);
  }

  close(): void {
    this.fail(this.lost('connection closed by the client'));
    this.socket.destroy();
  }

  private encode<A extends ApiDef>(
    api: A,
    version: number,
    body: RequestBody<A>,
  ): { correlationId: number; bytes: Buffer } {
    const requestCodec = codecFor(api.request).at(version);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const w = new Writer();
    const setSize = w.reserveInt32();
    const header = {
      apiKey: api.apiKey,
      apiVersion: version,
      correlationId,
      clientId: this.opts.clientId,
    };
    writeRequestHeader(w, header, requestCodec.flexible);
    requestCodec.encode(w, body as never);
    setSize(w.length - 4);
    return { correlationId, bytes: w.toBuffer() };
  }

  private roundTrip(correlationId: number, frame: Buffer, timeoutMs?: number): Promise<Buffer> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const limitMs = timeoutMs ?? this.opts.requestTimeoutMs;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new TimeoutError(`Request to ${this.address} timed out after ${limitMs} ms`);
        this.pending.delete(correlationId);
        reject(err);
        this.fail(this.lost('connection dropped after a request timed out'));
        this.socket.destroy();
      }, limitMs);
      this.pending.set(correlationId, { resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  /**
   * ApiVersions first at our highest version; a broker that does not know it
   * answers at v0 with UNSUPPORTED_VERSION and its own range, and we ask again.
   */
  private async negotiateVersions(): Promise<void> {
    const ours = ourVersions(ApiVersions);
    let version = ours.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const frame = this.encode(ApiVersions, version, {
        clientSoftwareName: 'gregor-client',
        clientSoftwareVersion: '0.1.0',
      });
      const bytes = await this.roundTrip(frame.correlationId, frame.bytes);
      const r = new Reader(bytes);
      readResponseHeader(r, false);
      const errorCode = bytes.readInt16BE(r.offset);
      const decodeAt = errorCode === ErrorCode.UNSUPPORTED_VERSION ? 0 : version;
      const response = codecFor(ApiVersions.response).decode(bytes.subarray(r.offset), decodeAt);
      this.versions = brokerVersionsFrom(response.apiKeys);
      if (response.errorCode === ErrorCode.NONE) return;
      const theirs = this.versions.get(API_VERSIONS_KEY);
      const next = theirs === undefined ? null : highestCommonVersion(ours, theirs);
      if (
        response.errorCode !== ErrorCode.UNSUPPORTED_VERSION ||
        next === null ||
        next === version
      ) {
        throw kafkaError(response.errorCode);
      }
      version = next;
    }
    throw new UnsupportedVersionError(`ApiVersions negotiation with ${this.address} failed`);
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const max = this.opts.responseSizeBytesMax ?? RESPONSE_SIZE_BYTES_MAX;
    for (;;) {
      if (this.frameBytes < 0) {
        if (this.bufferedBytes < 4) return;
        this.frameBytes = this.take(4).readInt32BE(0);
        if (this.frameBytes < 4 || this.frameBytes > max) {
          this.fail(this.lost(`response frame of ${this.frameBytes} bytes is out of bounds`));
          this.socket.destroy();
          return;
        }
      }
      if (this.bufferedBytes < this.frameBytes) return;
      const body = this.take(this.frameBytes);
      this.frameBytes = -1;
      this.dispatch(body);
    }
  }

  /** Removes and returns the next n buffered bytes, concatenating chunks only when needed. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks, this.bufferedBytes);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.bufferedBytes -= n;
    return out;
  }

  private dispatch(body: Buffer): void {
    const correlationId = body.readInt32BE(0);
    const waiting = this.pending.get(correlationId);
    if (waiting === undefined) return; // answer to a request that already timed out
    this.pending.delete(correlationId);
    clearTimeout(waiting.timer);
    waiting.resolve(body);
  }

  private lost(why: string): ConnectionError {
    return new ConnectionError(this.address, `Connection to ${this.address} lost: ${why}`);
  }

  private fail(err: Error): void {
    if (this.failure === null) this.failure = err;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      this.pending.delete(id);
      waiting.reject(this.failure);
    }
  }
}
