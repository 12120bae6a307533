// One client connection: frames requests, dispatches them to handlers and
// writes responses strictly in request order, as Kafka does. Handlers may
// finish out of order (a long-polling Fetch beside a quick Metadata), so a
// finished response waits in a small buffer until those before it are sent.
// In-flight requests are capped: at the cap the socket is not read until
// responses drain. A malformed frame closes this connection with a log line;
// the broker keeps running. Lines a client can cause are rate-limited per kind
// (with a count of those dropped); a stack trace is logged only for our bugs.

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
import { rateLimited } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';
import { describeOperatingError, isOperatingError } from '../util/operating-error.ts';
import type { RequestMemory } from './request-memory.ts';
import type { SaslAnswer, SaslGate } from './sasl-gate.ts';

/** Called once per answered request; the request's frame may be reused once it returns. */
export type ResponseObserver = (
  apiKey: number,
  request: unknown,
  response: unknown,
  elapsedMs: number,
) => void;

export interface ConnectionLimits {
  readonly requestSizeBytesMax: number;
  readonly inflightRequestsMax: number;
  /**
   * connections.max.idle.ms: a connection with nothing read or written for this long, and
   * no request unanswered, is closed; null or absent never closes it.
   */
  readonly idleMsMax?: number | null;
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
  /** Each answered request, decoded, with its response and the time it took (for metrics). */
  readonly onResponse?: ResponseObserver;
  /** Where large request frames are leased from; the broker-wide pool by default. */
  readonly bufferPool?: BufferPool;
  /** The broker-wide bound on request memory (queued.max.request.bytes); none if absent. */
  readonly requestMemory?: RequestMemory;
  /** On SASL listeners: admits and answers requests until the client is authenticated. */
  readonly sasl?: SaslGate;
  /** The principal before (or without) SASL: a mapped client certificate, else ANONYMOUS. */
  readonly principal?: KafkaPrincipal;
  /** Write each response as one buffer (TLS sockets, where every write is encrypted apart). */
  readonly coalesceWrites?: boolean;
}

type Outcome = Buffer[] | null;

const CLOSE_GRACE_MS = 1000;

/**
 * Array elements one request may hold, all its arrays together. Far above what a client
 * sends (a fetch or commit of every partition of a large cluster), far below what a
 * 100 MB frame of one-byte elements could announce: decoding 20 million empty group
 * names blocked the event loop for 17 s and took hundreds of MB (the protocol fuzzer).
 */
export const REQUEST_ARRAY_ELEMENTS_MAX = 1_000_000;

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

/** Why a connection is closed for what the client sent: the kind of its (rate-limited) log line. */
type RejectKind =
  | 'bad-frame'
  | 'malformed-header'
  | 'unknown-api-key'
  | 'unsupported-version'
  | 'malformed-request';

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
  /** Set by drain(): shutdown; nothing more is read, the connection closes once answered. */
  private draining = false;
  private readonly socketClosed: Promise<void>;
  /** Withdraws this connection's wait for request memory; set while it waits. */
  private cancelMemoryWait: (() => void) | null = null;

  constructor(private readonly o: ConnectionOptions) {
    const pool = o.bufferPool ?? brokerBufferPool;
    const sasl = o.sasl;
    const max = o.limits.requestSizeBytesMax;
    this.frames = new FrameReader(
      sasl === undefined ? max : () => sasl.frameSizeBytesMax(max),
      (sizeBytes) => pool.acquireView(sizeBytes),
      (sizeBytes) => this.admitFrame(sizeBytes),
    );
    this.remoteAddress = `${o.socket.remoteAddress ?? '?'}:${o.socket.remotePort ?? '?'}`;
    this.clientAddress = clientAddressOf(o.socket.remoteAddress);
    o.socket.setNoDelay(true);
    o.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    o.socket.on('drain', () => {
      this.pausedForDrain = false;
      this.updateReading();
    });
    const idleMsMax = o.limits.idleMsMax ?? null;
    if (idleMsMax !== null) {
      // Node re-arms the socket's timeout on every read and write.
      o.socket.setTimeout(idleMsMax);
      o.socket.on('timeout', () => this.onIdle(idleMsMax));
    }
    o.socket.on('error', (err) => {
      this.o.logger.debug({ err, remote: this.remoteAddress }, 'connection error');
    });
    this.socketClosed = new Promise((resolve) => {
      o.socket.on('close', () => {
        this.closed = true;
        if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
        this.giveUpFrameInProgress();
        this.o.onClose(this.o.id);
        resolve();
      });
    });
  }

  /**
   * Shutdown: reads no further request, writes the answers of those taken in, then closes;
   * after graceMs it closes whatever is still unanswered. Resolves once the socket is closed.
   */
  drain(graceMs: number): Promise<void> {
    if (this.o.socket.destroyed) return Promise.resolve();
    if (!this.closed && !this.draining) {
      this.draining = true;
      this.o.socket.pause();
      if (this.inflight === 0) this.close();
      else setTimeout(() => this.close(), graceMs).unref();
    }
    return this.socketClosed;
  }

  /** Closes after flushing what was written; a peer that does not read gets 1 s. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.o.socket;
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Idle past connections.max.idle.ms; a connection still owed an answer is kept. */
  private onIdle(idleMsMax: number): void {
    // Waiting for request memory is the broker's doing, not idleness.
    const waiting = this.cancelMemoryWait !== null;
    if (this.closed || this.inflight > 0 || this.done.size > 0 || waiting) return;
    this.o.logger.debug(
      { remote: this.remoteAddress, idleMsMax },
      'closing connection idle past connections.max.idle.ms',
    );
    this.close();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.takeFrames(this.frames.push(chunk));
  }

  private takeFrames(frames: readonly Buffer[]): void {
    for (const frame of frames) {
      if (this.closed) return;
      // A throttled client's requests already read wait until the throttle ends.
      if (this.throttledUntilMs > 0 || this.held.length > 0) this.held.push(frame);
      else this.onFrame(frame);
    }
    if (this.frames.error !== null) {
      this.rejectAfterPending(this.frames.error.message);
      return;
    }
    const waiting = this.frames.awaitingAdmission;
    const memory = this.o.requestMemory;
    if (waiting !== null && memory !== undefined && this.cancelMemoryWait === null) {
      this.logMemoryBound(memory, waiting);
      this.cancelMemoryWait = memory.wait(waiting, () => {
        this.cancelMemoryWait = null;
        if (this.closed) {
          memory.release(waiting);
          return;
        }
        this.takeFrames(this.frames.grant());
        this.updateReading();
      });
      this.updateReading();
    }
  }

  /** The frame reader's admission check: the broker-wide request memory bound. */
  private admitFrame(sizeBytes: number): boolean {
    const memory = this.o.requestMemory;
    if (memory === undefined) return true;
    // Already queued for this frame: the grant, not a second try, admits it.
    if (this.cancelMemoryWait !== null) return false;
    return memory.tryAcquire(sizeBytes);
  }

  /** Returns the memory of an answered (or refused) request to the bound. */
  private releaseFrame(frame: Buffer): void {
    this.o.requestMemory?.release(frame.length);
  }

  /** The connection closed: what it was reading or waiting for is given up. */
  private giveUpFrameInProgress(): void {
    this.cancelMemoryWait?.();
    this.cancelMemoryWait = null;
    // Frames held back by a throttle were admitted to request memory but never handled.
    for (const frame of this.held.splice(0)) this.releaseFrame(frame);
    const collecting = this.frames.collectingBytes;
    const partial = this.frames.discard();
    if (partial !== null) releaseLease(partial);
    if (collecting > 0) this.o.requestMemory?.release(collecting);
  }

  private logMemoryBound(memory: RequestMemory, sizeBytes: number): void {
    rateLimited(this.o.logger).log(
      'info',
      'connection:request-memory-bound',
      { remote: this.remoteAddress, frameBytes: sizeBytes, usedBytes: memory.used },
      'request memory bound (queued.max.request.bytes) reached; pausing reads until requests are answered',
    );
  }

  /**
   * A bad frame size: stop reading, answer the requests already taken in,
   * then close. (Nothing after the bad size can be framed any more.)
   */
  private rejectAfterPending(reason: string): void {
    this.o.socket.pause();
    this.closeWhenDrained = reason;
    if (this.inflight === 0) this.reject('bad-frame', reason);
  }

  private reject(kind: RejectKind, reason: string, extra: Record<string, unknown> = {}): void {
    rateLimited(this.o.logger).log(
      'warn',
      `connection:${kind}`,
      { remote: this.remoteAddress, ...extra },
      `closing connection: ${reason}`,
    );
    this.close();
  }

  /** Who the requests come from now: the SASL user once authenticated. */
  private get principal(): KafkaPrincipal {
    return this.o.sasl?.principal ?? this.o.principal ?? ANONYMOUS;
  }

  /**
   * A SASL answer is sent in request order; a failed authentication closes after it. The
   * frame (whose bytes the mechanism reads) is let go once the answer exists.
   */
  private answerSasl(seq: number, answer: Promise<SaslAnswer>, frame: Buffer): void {
    this.inflight++;
    this.updateReading();
    answer.then(
      ({ chunks, close }) => {
        this.inflight--;
        this.releaseFrame(frame);
        this.finish(seq, chunks);
        if (close !== null) this.close();
      },
      (err: unknown) => {
        this.inflight--;
        this.releaseFrame(frame);
        this.o.logger.error({ err, remote: this.remoteAddress }, 'SASL authentication failed');
        this.close();
      },
    );
  }

  private onFrame(frame: Buffer): void {
    if (this.o.sasl?.expectsRawToken === true) {
      this.answerSasl(this.nextSequence++, this.o.sasl.onRawToken(frame), frame);
      return;
    }
    let dispatched = false;
    try {
      dispatched = this.dispatch(frame);
    } finally {
      if (!dispatched) this.releaseFrame(frame);
    }
  }

  /** Hands the frame to its handler; false when it was refused or answered on the spot. */
  private dispatch(frame: Buffer): boolean {
    const r = new Reader(frame, 0, frame.length, REQUEST_ARRAY_ELEMENTS_MAX);
    let header: ReturnType<typeof readRequestHeaderStart>;
    try {
      header = readRequestHeaderStart(r);
    } catch (err) {
      this.reject('malformed-header', `malformed request header: ${(err as Error).message}`);
      return false;
    }
    const seq = this.nextSequence++;
    if (this.o.sasl !== undefined) {
      const decision = this.o.sasl.onRequest(header, r);
      if (decision.kind === 'close') {
        this.close();
        return false;
      }
      if (decision.kind === 'answer') {
        this.answerSasl(seq, decision.answer, frame);
        return true;
      }
    }
    const handler = this.o.registry.get(header.apiKey);
    if (handler === undefined) {
      this.reject('unknown-api-key', 'unknown api key', { apiKey: header.apiKey });
      return false;
    }
    const versionOk =
      header.apiVersion >= handler.minVersion && header.apiVersion <= handler.maxVersion;
    if (!versionOk) {
      if (header.apiKey === API_VERSIONS_KEY) {
        this.finish(seq, this.unsupportedApiVersions(header.correlationId));
        return false;
      }
      this.reject('unsupported-version', 'unsupported api version', {
        apiKey: header.apiKey,
        apiVersion: header.apiVersion,
      });
      return false;
    }
    const requestCodec = handler.requestCodec.at(header.apiVersion);
    let request: unknown;
    try {
      if (requestCodec.flexible) readRequestHeaderTags(r);
      request = requestCodec.decode(r);
    } catch (err) {
      if (!(err instanceof DecodeError) && !(err instanceof RangeError)) throw err;
      this.reject(
        'malformed-request',
        `malformed ${handler.name} v${header.apiVersion}: ${err.message}`,
        { apiKey: header.apiKey },
      );
      return false;
    }
    this.o.onRequest?.(header.apiKey);
    const startedMs = performance.now();
    const ctx: RequestContext = {
      apiKey: header.apiKey,
      apiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      connectionId: this.o.id,
      remoteAddress: this.remoteAddress,
      listenerName: this.o.listenerName,
      principal: this.principal,
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
        try {
          this.o.onResponse?.(header.apiKey, request, response, performance.now() - startedMs);
        } catch (err) {
          // An observer (metrics) that throws is our bug, but the answer still goes out:
          // thrown here it would reject unhandled and stop the broker.
          rateLimited(this.o.logger).log(
            'error',
            `observer-failed:${header.apiKey}:bug`,
            { err, apiKey: header.apiKey, apiVersion: header.apiVersion },
            'response observer failed',
          );
        }
        this.releaseFrame(frame);
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
          rateLimited(this.o.logger).log(
            'error',
            `encode-failed:${header.apiKey}`,
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
        this.releaseFrame(frame);
        const request = {
          apiKey: header.apiKey,
          apiVersion: header.apiVersion,
          correlationId: header.correlationId,
        };
        // The world's failure (a store away, a disk full) is a line; ours gets the stack.
        const operating = isOperatingError(err);
        rateLimited(this.o.logger).log(
          operating ? 'warn' : 'error',
          `request-failed:${header.apiKey}:${operating ? 'operating' : 'bug'}`,
          operating ? { ...request, ...describeOperatingError(err) } : { ...request, err },
          'request failed',
        );
        this.close();
      },
    );
    return true;
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
    if (this.draining) {
      if (this.inflight === 0) this.close();
      return;
    }
    if (this.closeWhenDrained !== null) {
      if (this.inflight === 0) this.reject('bad-frame', this.closeWhenDrained);
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
      if (this.o.coalesceWrites === true && chunks.length > 1) {
        // TLS encrypts each write apart: one buffer per response (a copy, far cheaper than
        // the encryption) made consume over SSL about 1.5 times as fast in bench/gregor/tls.ts.
        const whole = Buffer.concat(chunks);
        for (const c of chunks) if (isLeased(c)) releaseLease(c);
        if (!socket.write(whole)) this.pausedForDrain = true;
        continue;
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
      while (this.held.length > 0 && this.throttledUntilMs === 0 && !this.closed && !this.draining)
        this.onFrame(this.held.shift()!);
      this.updateReading();
    }, ms);
    this.updateReading();
  }

  private updateReading(): void {
    if (this.closed || this.draining || this.closeWhenDrained !== null) return;
    const pending = this.inflight + this.done.size;
    this.pausedForInflight = pending >= this.o.limits.inflightRequestsMax;
    const waitingForMemory = this.cancelMemoryWait !== null;
    const throttled = this.throttledUntilMs > 0;
    if (this.pausedForInflight || this.pausedForDrain || waitingForMemory || throttled)
      this.o.socket.pause();
    else this.o.socket.resume();
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: Kafka's host address of an IPv4 client. */
function clientAddressOf(remote: string | undefined): string {
  if (remote === undefined) return '';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}
