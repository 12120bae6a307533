// One connection from this broker to another, for replica fetching: sends
// requests with our protocol codecs and matches responses by correlation id.
// Connect and request timeouts are explicit (a connect into a partitioned
// address otherwise hangs for minutes), and any error closes the link; the
// caller makes a new one.

import { connect, type Socket } from 'node:net';
import { codecFor, type MessageValue } from '../protocol/codec.ts';
import { FrameReader } from '../protocol/frame-reader.ts';
import {
  readResponseHeader,
  responseHeaderIsFlexible,
  writeRequestHeader,
} from '../protocol/headers.ts';
import { Reader } from '../protocol/reader.ts';
import type { ApiDef } from '../protocol/schema.ts';
import { Writer } from '../protocol/writer.ts';

export interface BrokerLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly responseSizeBytesMax: number;
}

interface Pending {
  resolve(frame: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class BrokerLink {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly o: BrokerLinkOptions,
  ) {
    const frames = new FrameReader(o.responseSizeBytesMax);
    socket.on('data', (chunk: Buffer) => {
      for (const f of frames.push(chunk)) this.onFrame(f);
      if (frames.error !== null) this.fail(frames.error);
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(o: BrokerLinkOptions): Promise<BrokerLink> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: o.host, port: o.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new Error(`connect to ${o.host}:${o.port} timed out after ${o.connectTimeoutMs} ms`),
        );
      }, o.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new BrokerLink(socket, o));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isOpen(): boolean {
    return this.closedError === null;
  }

  async send<A extends ApiDef>(
    api: A,
    version: number,
    request: MessageValue<A['request']>,
  ): Promise<MessageValue<A['response']>> {
    if (this.closedError !== null) throw this.closedError;
    const requestCodec = codecFor(api.request).at(version);
    const responseCodec = codecFor(api.response).at(version);
    const correlationId = this.nextCorrelationId++;
    const w = new Writer();
    const setSize = w.reserveInt32();
    writeRequestHeader(
      w,
      { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: this.o.clientId },
      requestCodec.flexible,
    );
    requestCodec.encode(w, request);
    setSize(w.length - 4);
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new Error(
            `request to ${this.o.host}:${this.o.port} timed out after ${this.o.requestTimeoutMs} ms`,
          ),
        );
        this.close();
      }, this.o.requestTimeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
      this.socket.cork();
      for (const c of w.toChunks()) this.socket.write(c);
      this.socket.uncork();
    });
    const r = new Reader(frame);
    readResponseHeader(r, responseHeaderIsFlexible(api.apiKey, responseCodec.flexible));
    return responseCodec.decode(r);
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 4) {
      this.fail(new Error('short response frame'));
      return;
    }
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) {
      this.fail(new Error(`unexpected correlation id ${correlationId}`));
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    p.resolve(frame);
  }

  private fail(err: Error): void {
    if (this.closedError !== null) return;
    this.closedError = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.socket.destroy();
  }

  close(): void {
    this.fail(new Error('link closed'));
  }
}
