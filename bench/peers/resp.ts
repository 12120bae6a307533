// A minimal Redis client (RESP2 over one TCP connection) for the benchmark's hot loops:
// a tick's XADDs are encoded straight into one buffer and written at once, and replies
// are parsed element by element, resumably (a 5 MiB XRANGE reply arriving in 64 KiB
// chunks is parsed once), numbers read from the bytes without making strings. ioredis built a Command object and copied every argument per
// XADD and saturated this process at ~30k XADD/s of 1 KiB on this machine, which made
// the latency figures the client's, not Redis's.

import { connect, type Socket } from 'node:net';

export type RespValue = Buffer | string | number | null | RespError | RespValue[];

export class RespError extends Error {}

const CRLF = Buffer.from('\r\n');

/** The RESP encoding of commands (arrays of bulk strings), in one buffer. */
export function encodeCommands(commands: readonly (readonly (string | Buffer)[])[]): Buffer {
  let size = 0;
  for (const args of commands) {
    size += headerBytes(args.length);
    for (const arg of args) {
      const length = typeof arg === 'string' ? Buffer.byteLength(arg) : arg.length;
      size += headerBytes(length) + length + 2;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const args of commands) {
    at += out.write(`*${args.length}\r\n`, at, 'latin1');
    for (const arg of args) {
      if (typeof arg === 'string') {
        at += out.write(`$${Buffer.byteLength(arg)}\r\n`, at, 'latin1');
        at += out.write(arg, at);
      } else {
        at += out.write(`$${arg.length}\r\n`, at, 'latin1');
        at += arg.copy(out, at);
      }
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
  }
  return out;
}

/** Bytes of a "*3\r\n" or "$1024\r\n" header: type byte, digits, CRLF. */
function headerBytes(n: number): number {
  return 3 + (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : String(n).length);
}

interface Frame {
  readonly items: RespValue[];
  remaining: number;
}

/** Parses RESP2 replies from chunks as they come; keeps partial state between chunks. */
export class RespParser {
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  private readonly stack: Frame[] = [];

  /** Feeds a chunk; returns the replies it completed, in order. */
  push(chunk: Buffer): RespValue[] {
    const rest = this.buffer.length - this.position;
    this.buffer = rest > 0 ? Buffer.concat([this.buffer.subarray(this.position), chunk]) : chunk;
    this.position = 0;
    const replies: RespValue[] = [];
    for (;;) {
      const element = this.parseElement();
      if (element === undefined) break;
      if (element === ARRAY_OPENED) continue;
      const reply = this.complete(element);
      if (reply !== undefined) replies.push(reply);
    }
    return replies;
  }

  /** One element at `position`: a value, ARRAY_OPENED, or undefined when incomplete. */
  private parseElement(): RespValue | typeof ARRAY_OPENED | undefined {
    const buffer = this.buffer;
    const type = buffer[this.position];
    if (type === 0x24 || type === 0x2a || type === 0x3a) {
      // $ bulk string, * array, : integer: a number and CRLF, read without a string.
      let at = this.position + 1;
      let negative = false;
      if (buffer[at] === 0x2d) {
        negative = true;
        at++;
      }
      let n = 0;
      for (; at < buffer.length && buffer[at] !== 0x0d; at++) n = n * 10 + (buffer[at] ?? 0) - 0x30;
      if (at + 1 >= buffer.length) return undefined;
      const value = negative ? -n : n;
      const start = at + 2;
      if (type === 0x3a) {
        this.position = start;
        return value;
      }
      if (type === 0x2a) {
        this.position = start;
        if (value < 0) return null;
        if (value === 0) return [];
        this.stack.push({ items: [], remaining: value });
        return ARRAY_OPENED;
      }
      if (value < 0) {
        this.position = start;
        return null;
      }
      if (buffer.length < start + value + 2) return undefined;
      this.position = start + value + 2;
      return buffer.subarray(start, start + value);
    }
    if (type === undefined) return undefined;
    const lineEnd = buffer.indexOf(CRLF, this.position);
    if (lineEnd < 0) return undefined;
    const line = buffer.toString('latin1', this.position + 1, lineEnd);
    this.position = lineEnd + 2;
    if (type === 0x2b) return line;
    if (type === 0x2d) return new RespError(line);
    throw new Error(`unexpected RESP type byte ${type}`);
  }

  /** Adds a value to the open arrays; returns a top-level reply once one is whole. */
  private complete(value: RespValue): RespValue | undefined {
    let current = value;
    for (;;) {
      const frame = this.stack[this.stack.length - 1];
      if (frame === undefined) return current;
      frame.items.push(current);
      if (--frame.remaining > 0) return undefined;
      this.stack.pop();
      current = frame.items;
    }
  }
}

const ARRAY_OPENED = Symbol('array opened');

/** Commands are answered in order; each send waits for as many replies as it sent commands. */
export class RespClient {
  private readonly parser = new RespParser();
  private readonly waiting: Array<{
    count: number;
    replies: RespValue[];
    done: (r: RespValue[]) => void;
    fail: (e: Error) => void;
  }> = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const reply of this.parser.push(chunk)) this.deliver(reply);
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('redis connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('connect', () => resolve(new RespClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends commands in one write; resolves with their replies (RespError values included). */
  pipeline(commands: readonly (readonly (string | Buffer)[])[]): Promise<RespValue[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const data = encodeCommands(commands);
    return new Promise((done, fail) => {
      this.waiting.push({ count: commands.length, replies: [], done, fail });
      this.socket.write(data);
    });
  }

  /** One command; a RespError reply rejects. */
  async command(...args: (string | Buffer)[]): Promise<RespValue> {
    const [reply] = await this.pipeline([args]);
    if (reply instanceof RespError) throw reply;
    return reply ?? null;
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(reply: RespValue): void {
    const head = this.waiting[0];
    if (head === undefined) {
      this.fail(new Error('a reply nobody asked for'));
      return;
    }
    head.replies.push(reply);
    if (head.replies.length < head.count) return;
    this.waiting.shift();
    head.done(head.replies);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.fail(err);
  }
}
