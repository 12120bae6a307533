// One TCP connection to one broker, for the CLI's client and for the broker's
// own replica fetchers alike: connect with an explicit timeout (a SYN into a
// partitioned address is otherwise retried by the kernel for minutes),
// negotiate versions with ApiVersions, then send requests framed with the
// project's codecs, pipelined, each with its own timeout. Responses must come
// back in request order with their correlation ids, as Kafka's own client
// checks; any other answer, a frame over the size limit, or a timed-out
// request closes the connection, since what follows can no longer be trusted
// to line up. Over TLS (SSL, SASL_SSL) the handshake is part of connecting; with SASL the
// connection authenticates before it is handed out, and again before the session lifetime
// the broker gave runs out (KIP-368), holding new requests while it does.

import { isIP, Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectOptions } from 'node:tls';
import { ApiVersions } from '../protocol/apis/api-versions.ts';
import { SaslAuthenticate } from '../protocol/apis/sasl-authenticate.ts';
import { codecFor, type MessageValue } from '../protocol/codec.ts';
import { FrameReader } from '../protocol/frame-reader.ts';
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
import { authenticateSasl } from './sasl-authentication.ts';
import type { SaslClientCredentials } from './sasl-client.ts';
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
  /**
   * Connect with TLS (security.protocol SSL or SASL_SSL): CA, client certificate, checks.
   * Asked for at each connect, so renewed certificate files apply to the next connection.
   */
  readonly tls?: () => Promise<TlsConnectOptions>;
  /** Authenticate with SASL (SASL_PLAINTEXT or SASL_SSL) before the connection is used. */
  readonly sasl?: SaslClientCredentials;
}

/** Re-authenticate when this share of the session lifetime has passed (Kafka: 85-95%). */
const REAUTHENTICATE_AT = 0.85;

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
/** A response frame holds at least its correlation id. */
const RESPONSE_HEADER_BYTES_MIN = 4;
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
async function connectSocket(opts: ConnectionOptions): Promise<Socket> {
  const address = `${opts.host}:${opts.port}`;
  const tls = opts.tls === undefined ? undefined : await opts.tls();
  return new Promise((resolve, reject) => {
    const socket =
      tls === undefined
        ? new Socket()
        : connectTls({
            // SNI names hosts, not addresses (RFC 6066); the certificate check still covers IPs.
            ...(isIP(opts.host) === 0 ? { servername: opts.host } : {}),
            ...tls,
            host: opts.host,
            port: opts.port,
          });
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
    const connected = () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      resolve(socket);
    };
    if (tls === undefined) socket.connect({ host: opts.host, port: opts.port }, connected);
    else socket.once('secureConnect', connected);
  });
}

export class BrokerConnection {
  readonly address: string;
  /** Requests awaiting their response, in the order they were written. */
  private readonly pending = new Map<number, Pending>();
  private readonly frames: FrameReader;
  private nextCorrelationId = 1;
  private failure: Error | null = null;
  private versions: BrokerVersions = new Map();
  /** Set while re-authenticating: new requests wait for it (the broker takes no others). */
  private reauthenticating: Promise<void> | null = null;
  private reauthTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.address = `${opts.host}:${opts.port}`;
    this.frames = new FrameReader(opts.responseSizeBytesMax ?? RESPONSE_SIZE_BYTES_MAX);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(this.lost(describeSocketError(err))));
    socket.on('close', () => this.fail(this.lost('connection closed')));
  }

  /** Connects and negotiates API versions; the connection is ready for any request. */
  static async open(opts: ConnectionOptions): Promise<BrokerConnection> {
    const conn = new BrokerConnection(await connectSocket(opts), opts);
    try {
      await conn.negotiateVersions();
      if (opts.sasl !== undefined) await conn.authenticate(opts.sasl);
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
    while (this.reauthenticating !== null) await this.reauthenticating;
    return this.sendNow(api, body, options);
  }

  private async sendNow<A extends ApiDef>(
    api: A,
    body: RequestBody<A>,
    options: SendOptions = {},
  ): Promise<ResponseBody<A>> {
    const version = options.version ?? this.versionFor(api);
    const responseCodec = codecFor(api.response).at(version);
    const frame = this.encode(api, version, body);
    const bytes = await this.roundTrip(frame.correlationId, frame.chunks, options.timeoutMs);
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
    const reauthenticating = this.reauthenticating;
    if (reauthenticating === null) this.write(frame.chunks);
    else void reauthenticating.then(() => this.failure === null && this.write(frame.chunks));
  }

  close(): void {
    this.fail(this.lost('connection closed by the client'));
  }

  /** SASL authentication; schedules re-authentication when the broker limits the session. */
  private async authenticate(credentials: SaslClientCredentials): Promise<void> {
    const version = Math.min(this.versionFor(SaslAuthenticate), 2);
    const lifetimeMs = await authenticateSasl(
      (api, body, v) => this.sendNow(api, body as never, { version: v }),
      credentials,
      version,
    );
    if (lifetimeMs <= 0 || this.failure !== null) return;
    this.reauthTimer = setTimeout(() => {
      this.reauthenticating = this.authenticate(credentials).then(
        () => {
          this.reauthenticating = null;
        },
        (err: unknown) => {
          this.reauthenticating = null;
          this.fail(this.lost(`re-authentication failed: ${String(err)}`));
        },
      );
    }, lifetimeMs * REAUTHENTICATE_AT);
    this.reauthTimer.unref();
  }

  private encode<A extends ApiDef>(
    api: A,
    version: number,
    body: RequestBody<A>,
  ): { correlationId: number; chunks: Buffer[] } {
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
    return { correlationId, chunks: w.toChunks() };
  }

  /** Writes a frame's chunks as they are (record batches are not copied into one buffer). */
  private write(chunks: readonly Buffer[]): void {
    this.socket.cork();
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }

  private roundTrip(
    correlationId: number,
    frame: readonly Buffer[],
    timeoutMs?: number,
  ): Promise<Buffer> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const limitMs = timeoutMs ?? this.opts.requestTimeoutMs;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new TimeoutError(`Request to ${this.address} timed out after ${limitMs} ms`);
        this.pending.delete(correlationId);
        reject(err);
        this.fail(this.lost('connection dropped after a request timed out'));
      }, limitMs);
      this.pending.set(correlationId, { resolve, reject, timer });
      this.write(frame);
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
      const bytes = await this.roundTrip(frame.correlationId, frame.chunks);
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
    for (const frame of this.frames.push(chunk)) {
      this.dispatch(frame);
      if (this.failure !== null) return;
    }
    if (this.frames.error !== null) {
      this.fail(this.lost(`response ${this.frames.error.message}`));
    }
  }

  /** Hands a response to the oldest request; anything else breaks the connection. */
  private dispatch(body: Buffer): void {
    if (body.length < RESPONSE_HEADER_BYTES_MIN) {
      this.fail(this.lost(`response frame of ${body.length} bytes is too short`));
      return;
    }
    const correlationId = body.readInt32BE(0);
    const oldest = this.pending.entries().next();
    if (oldest.done === true || oldest.value[0] !== correlationId) {
      const expected = oldest.done === true ? 'none outstanding' : `expected ${oldest.value[0]}`;
      this.fail(this.lost(`response with correlation id ${correlationId}, ${expected}`));
      return;
    }
    const waiting = oldest.value[1];
    this.pending.delete(correlationId);
    clearTimeout(waiting.timer);
    waiting.resolve(body);
  }

  private lost(why: string): ConnectionError {
    return new ConnectionError(this.address, `Connection to ${this.address} lost: ${why}`);
  }

  /** Fails every outstanding request with the first error and closes the socket. */
  private fail(err: Error): void {
    if (this.failure === null) this.failure = err;
    if (this.reauthTimer !== null) clearTimeout(this.reauthTimer);
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      this.pending.delete(id);
      waiting.reject(this.failure);
    }
    this.socket.destroy();
  }
}
