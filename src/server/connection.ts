// One client connection: frames requests, dispatches them to handlers and
// writes responses strictly in request order, as Kafka does. Handlers may
// finish out of order (a long-polling Fetch beside a quick Metadata), so a
// finished response waits in a small buffer until those before it are sent.
// In-flight requests are capped: at the cap the socket is not read until
// responses drain. A malformed frame closes this connection with a log line;
// the broker keeps running.

import type { Socket } from 'node:net';
import type { HandlerRegistry, RequestContext } from '../api/handler.ts';
import { Produce } from '../protocol/apis/produce.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { FrameReader } from '../protocol/frame-reader.ts';
import {
  API_VERSIONS_KEY,
  readRequestHeaderStart,
  readRequestHeaderTags,
  responseHeaderIsFlexible,
  writeResponseHeader,
} from '../protocol/headers.ts';
import { DecodeError, Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import { ANONYMOUS, type KafkaPrincipal } from '../security/principal.ts';
import { type BufferPool, brokerBufferPool, isLeased, releaseLease } from '../util/buffer-pool.ts';
import { LogRateLimiter } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';

export interface ConnectionLimits {
  readonly requestSizeBytesMax: number;
  readonly inflightRequestsMax: number;
}

export interface ConnectionOptions {
  readonly id: number;
  readonly socket: Socket;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
  readonly listenerName: string;
  readonly onClose: (id: number) => void;
  /** Counts of requests per API key, for metrics; optional. */
  readonly onRequest?: (apiKey: number) => void;
  /** Where large request frames are leased from; the broker-wide pool by default. */
  readonly bufferPool?: BufferPool;
  /**
   * The connection's principal; ANONYMOUS when absent (PLAINTEXT, as Kafka). The
   * security work (TLS client certificates, SASL) fills this in.
   */
  readonly principal?: KafkaPrincipal;
}

type Outcome = Buffer[] | null;

const CLOSE_GRACE_MS = 1000;

/**
 * Requests whose frame (leased from the pool when large) is reused once the
 * handler has answered: Produce, whose records the log copies or writes before
 * the append completes and keeps no view of. Other requests may keep views of
 * their frame (group metadata, assignments), so theirs are left to the GC.
 */
const RECYCLED_FRAME_API_KEYS: ReadonlySet<number> = new Set([Produce.apiKey]);

/** Ends the leases of chunks the socket has written (after an error they are just dropped). */
function releaseAll(chunks: readonly Buffer[]): (err?: Error | null) => void {
  return (err) => {
    if (err) return;
    for (const c of chunks) releaseLease(c);
  };
}

/** Lines about rejected frames, shared by all connections: a flood must not flood the log. */
const rejectLogLimiter = new LogRateLimiter(20, 10_000);

export class Connection {
  private readonly frames: FrameReader;
  private nextSequence = 0;
  private nextToWrite = 0;
  private readonly done = new Map<number, Outcome>();
  private inflight = 0;
  private closed = false;
  private pausedForInflight = false;
  private pausedForDrain = false;
  private readonly remoteAddress: string;
  /** The client's IP without the port, what ACL host entries match. */
  private readonly clientAddress: string;
  /** While a quota throttles this client, the socket is not read (Kafka mutes the channel). */
  private throttledUntilMs = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  /** Frames read before a throttle began, handled once it ends. */
  private readonly held: Buffer[] = [];
  /** Set when the connection must close once in-flight requests are answered. */
  private closeWhenDrained: string | null = null;

  constructor(private readonly o: ConnectionOptions) {
    const pool = o.bufferPool ?? brokerBufferPool;
    this.frames = new FrameReader(o.limits.requestSizeBytesMax, (sizeBytes) =>
      pool.acquireView(sizeBytes),
    );
    this.remoteAddress = `${o.socket.remoteAddress ?? '?'}:${o.socket.remotePort ?? '?'}`;
    this.clientAddress = clientAddressOf(o.socket.remoteAddress);
    o.socket.setNoDelay(true);
    o.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    o.socket.on('drain', () => {
      this.pausedForDrain = false;
      this.updateReading();
    });
    o.socket.on('error', (err) => {
      this.o.logger.debug({ err, remote: this.remoteAddress }, 'connection error');
    });
    o.socket.on('close', () => {
      this.closed = true;
      if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
      this.o.onClose(this.o.id);
    });
  }

  /** Closes after flushing what was written; a peer that does not read gets 1 s. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.o.socket;
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    const frames = this.frames.push(chunk);
    for (const frame of frames) {
      if (this.closed) return;
      // A throttled client's requests already read wait until the throttle ends.
      if (this.throttledUntilMs > 0 || this.held.length > 0) this.held.push(frame);
      else this.onFrame(frame);
    }
    if (this.frames.error !== null) this.rejectAfterPending(this.frames.error.message);
  }

  /**
   * A bad frame size: stop reading, answer the requests already taken in,
   * then close. (Nothing after the bad size can be framed any more.)
   */
  private rejectAfterPending(reason: string): void {
    this.o.socket.pause();
    this.closeWhenDrained = reason;
    if (this.inflight === 0) this.reject(reason);
  }

  private reject(reason: string, extra: Record<string, unknown> = {}): void {
    const log = this.o.logger;
    if (
      rejectLogLimiter.allow((count) =>
        log.warn({ count }, 'suppressed connection-closing log lines'),
      )
    ) {
      log.warn({ remote: this.remoteAddress, ...extra }, `closing connection: ${reason}`);
    }
    this.close();
  }

  private onFrame(frame: Buffer): void {
    const r = new Reader(frame);
    let header: ReturnType<typeof readRequestHeaderStart>;
    try {
      header = readRequestHeaderStart(r);
    } catch (err) {
      this.reject(`malformed request header: ${(err as Error).message}`);
      return;
    }
    const handler = this.o.registry.get(header.apiKey);
    const seq = this.nextSequence++;
    if (handler === undefined) {
      this.reject('unknown api key', { apiKey: header.apiKey });
      return;
    }
    const versionOk =
      header.apiVersion >= handler.minVersion && header.apiVersion <= handler.maxVersion;
    if (!versionOk) {
      if (header.apiKey === API_VERSIONS_KEY) {
        this.finish(seq, this.unsupportedApiVersions(header.correlationId));
        return;
      }
      this.reject('unsupported api version', {
        apiKey: header.apiKey,
        apiVersion: header.apiVersion,
      });
      return;
    }
    const requestCodec = handler.requestCodec.at(header.apiVersion);
    let request: unknown;
    try {
      if (requestCodec.flexible) readRequestHeaderTags(r);
      request = requestCodec.decode(r);
    } catch (err) {
      if (!(err instanceof DecodeError) && !(err instanceof RangeError)) throw err;
      this.reject(`malformed ${handler.name} v${header.apiVersion}: ${err.message}`);
      return;
    }
    this.o.onRequest?.(header.apiKey);
    const ctx: RequestContext = {
      apiKey: header.apiKey,
      apiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      connectionId: this.o.id,
      remoteAddress: this.remoteAddress,
      listenerName: this.o.listenerName,
      principal: this.o.principal ?? ANONYMOUS,
      clientAddress: this.clientAddress,
      requestSizeBytes: frame.length + 4,
      throttle: (ms) => this.throttleFor(ms),
    };
    this.inflight++;
    this.updateReading();
    // The handler starts at once, so what it decides before its first await (a quota's
    // throttle) applies before the next frame already read is handled.
    let handled: Promise<unknown>;
    try {
      handled = Promise.resolve(handler.handle(request, ctx));
    } catch (err) {
      handled = Promise.reject(err);
    }
    handled.then(
      (response) => {
        this.inflight--;
        if (RECYCLED_FRAME_API_KEYS.has(header.apiKey)) releaseLease(frame);
        if (response === null) {
          this.finish(seq, null);
          return;
        }
        let chunks: Buffer[];
        try {
          const responseCodec = handler.responseCodec.at(header.apiVersion);
          const w = new Writer();
          const setSize = w.reserveInt32();
          const flexibleHeader = responseHeaderIsFlexible(header.apiKey, responseCodec.flexible);
          writeResponseHeader(w, header.correlationId, flexibleHeader);
          responseCodec.encode(w, response);
          setSize(w.length - 4);
          chunks = w.toChunks();
        } catch (err) {
          // Our bug, not the client's: say so and close, rather than leave
          // the client waiting for an answer that never comes.
          this.o.logger.error(
            { err, apiKey: header.apiKey, apiVersion: header.apiVersion },
            'could not encode response',
          );
          this.close();
          return;
        }
        this.finish(seq, chunks);
      },
      (err: unknown) => {
        this.inflight--;
        this.o.logger.error(
          {
            err,
            apiKey: header.apiKey,
            apiVersion: header.apiVersion,
            correlationId: header.correlationId,
          },
          'request failed',
        );
        this.close();
      },
    );
  }

  /** ApiVersions at v0 with UNSUPPORTED_VERSION and the full list (KIP-511). */
  private unsupportedApiVersions(correlationId: number): Buffer[] {
    const w = new Writer();
    const setSize = w.reserveInt32();
    writeResponseHeader(w, correlationId, false);
    w.int16(ErrorCode.UNSUPPORTED_VERSION);
    const apis = this.o.registry.supported();
    w.int32(apis.length);
    for (const a of apis) w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion);
    setSize(w.length - 4);
    return w.toChunks();
  }

  private finish(seq: number, outcome: Outcome): void {
    if (this.closed) return;
    this.done.set(seq, outcome);
    this.flush();
    if (this.closeWhenDrained !== null) {
      if (this.inflight === 0) this.reject(this.closeWhenDrained);
      return;
    }
    this.updateReading();
  }

  private flush(): void {
    const socket = this.o.socket;
    let corked = false;
    while (this.done.has(this.nextToWrite)) {
      const chunks = this.done.get(this.nextToWrite)!;
      this.done.delete(this.nextToWrite);
      this.nextToWrite++;
      if (chunks === null) continue;
      if (!corked) {
        socket.cork();
        corked = true;
      }
      const leased = chunks.filter(isLeased);
      const last = chunks.length - 1;
      for (let i = 0; i <= last; i++) {
        // Fetched records may sit in leased read buffers: hand them back once written.
        const written = i === last && leased.length > 0 ? releaseAll(leased) : undefined;
        if (!socket.write(chunks[i]!, written)) this.pausedForDrain = true;
      }
    }
    if (corked) socket.uncork();
  }

  /**
   * A quota was exceeded: stop reading from this client for `ms` (the response
   * carrying throttle_time_ms is still written), as Kafka mutes the channel.
   */
  private throttleFor(ms: number): void {
    if (this.closed || !(ms > 0)) return;
    const until = Date.now() + ms;
    if (until <= this.throttledUntilMs) return;
    this.throttledUntilMs = until;
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      this.throttledUntilMs = 0;
      while (this.held.length > 0 && this.throttledUntilMs === 0 && !this.closed)
        this.onFrame(this.held.shift()!);
      this.updateReading();
    }, ms);
    this.updateReading();
  }

  private updateReading(): void {
    if (this.closed || this.closeWhenDrained !== null) return;
    const pending = this.inflight + this.done.size;
    this.pausedForInflight = pending >= this.o.limits.inflightRequestsMax;
    const throttled = this.throttledUntilMs > 0;
    if (this.pausedForInflight || this.pausedForDrain || throttled) this.o.socket.pause();
    else this.o.socket.resume();
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: Kafka's host address of an IPv4 client. */
function clientAddressOf(remote: string | undefined): string {
  if (remote === undefined) return '';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}
