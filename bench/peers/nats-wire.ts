// A minimal NATS client (the text protocol over one TCP connection) for the benchmark's
// hot loops: PUB, SUB, and MSG/HMSG parsing, with everything published in one turn of
// the event loop written at once. The official Node client (@nats-io/transport-node,
// used here for stream and consumer management) spent ~50 µs of CPU per acknowledged
// publish on this machine (a promise, a timer, an inbox token and an Error per request),
// which capped JetStream at what the client could do rather than what the server can.

import { connect, type Socket } from 'node:net';

/** A delivered message: subject, reply subject (may be ''), header bytes (HMSG) and payload. */
export interface WireMessage {
  readonly subject: string;
  readonly reply: string;
  readonly headers: Buffer | null;
  readonly payload: Buffer;
}

export type MessageHandler = (message: WireMessage) => void;

const CRLF = Buffer.from('\r\n');

/** Parses the server's protocol lines and messages from chunks, keeping partial ones. */
export class WireParser {
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;

  constructor(
    private readonly onMessage: (sid: string, message: WireMessage) => void,
    private readonly onControl: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    const rest = this.buffer.length - this.position;
    this.buffer = rest > 0 ? Buffer.concat([this.buffer.subarray(this.position), chunk]) : chunk;
    this.position = 0;
    while (this.step());
  }

  /** Consumes one line or message; false when the buffer holds no whole one. */
  private step(): boolean {
    const buffer = this.buffer;
    const lineEnd = buffer.indexOf(CRLF, this.position);
    if (lineEnd < 0) return false;
    const line = buffer.toString('latin1', this.position, lineEnd);
    const isMsg = line.startsWith('MSG ');
    if (!isMsg && !line.startsWith('HMSG ')) {
      this.position = lineEnd + 2;
      this.onControl(line);
      return true;
    }
    // MSG <subject> <sid> [reply] <bytes> | HMSG <subject> <sid> [reply] <hdr> <total>
    const parts = line.split(' ');
    const sizes = isMsg ? 1 : 2;
    const total = Number(parts[parts.length - 1]);
    const headerBytes = isMsg ? 0 : Number(parts[parts.length - 2]);
    const start = lineEnd + 2;
    if (buffer.length < start + total + 2) return false;
    this.position = start + total + 2;
    const hasReply = parts.length === 4 + sizes;
    this.onMessage(parts[2] ?? '', {
      subject: parts[1] ?? '',
      reply: hasReply ? (parts[3] ?? '') : '',
      headers: isMsg ? null : buffer.subarray(start, start + headerBytes),
      payload: buffer.subarray(start + headerBytes, start + total),
    });
    return true;
  }
}

export class WireClient {
  private readonly handlers = new Map<string, MessageHandler>();
  private readonly parser: WireParser;
  private pending: Buffer[] = [];
  private flushScheduled = false;
  private nextSid = 1;
  private pongs: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private failure: Error | undefined;
  /** Called once when the connection fails or closes while in use. */
  onFailure: (err: Error) => void = () => undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    this.parser = new WireParser(
      (sid, message) => this.handlers.get(sid)?.(message),
      (line) => this.control(line),
    );
    socket.on('data', (chunk: Buffer) => this.parser.push(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('nats connection closed')));
  }

  /** Connects, sends CONNECT (headers on, verbose off) and waits for the first PONG. */
  static async connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port, host });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const client = new WireClient(socket);
    const options = {
      verbose: false,
      pedantic: false,
      headers: true,
      no_responders: true,
      protocol: 1,
    };
    client.write(Buffer.from(`CONNECT ${JSON.stringify(options)}\r\n`));
    await client.ping();
    return client;
  }

  /** Subscribes `subject` (wildcards allowed); returns the subscription id. */
  subscribe(subject: string, handler: MessageHandler): string {
    const sid = String(this.nextSid++);
    this.handlers.set(sid, handler);
    this.write(Buffer.from(`SUB ${subject} ${sid}\r\n`));
    return sid;
  }

  /** Queues a PUB; what is queued in one turn of the event loop goes out in one write. */
  publish(subject: string, reply: string, payload: Buffer): void {
    const head =
      reply === ''
        ? `PUB ${subject} ${payload.length}\r\n`
        : `PUB ${subject} ${reply} ${payload.length}\r\n`;
    this.write(Buffer.from(head), payload, CRLF);
  }

  /** Resolves once the server has answered a PING sent after everything queued so far. */
  ping(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pongs.push({ resolve, reject });
      this.write(Buffer.from('PING\r\n'));
    });
  }

  close(): void {
    this.failure ??= new Error('closed');
    this.socket.destroy();
  }

  private write(...parts: Buffer[]): void {
    this.pending.push(...parts);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const data = Buffer.concat(this.pending);
      this.pending = [];
      if (this.failure === undefined) this.socket.write(data);
    });
  }

  private control(line: string): void {
    if (line === 'PING') this.write(Buffer.from('PONG\r\n'));
    else if (line === 'PONG') this.pongs.shift()?.resolve();
    else if (line.startsWith('-ERR')) this.fail(new Error(`nats: ${line}`));
    // INFO and +OK need nothing.
  }

  private fail(err: Error): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    for (const pong of this.pongs.splice(0)) pong.reject(err);
    this.onFailure(err);
  }
}

/** The status code of a JetStream status message ("NATS/1.0 408 Request Timeout"), or 0. */
export function statusOf(headers: Buffer | null): number {
  if (headers === null || headers.length < 12) return 0;
  const code = Number(headers.toString('latin1', 9, 12));
  return Number.isInteger(code) ? code : 0;
}
