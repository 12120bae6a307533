// Bad input against a live broker: at least 100,000 request frames, made from
// valid requests of every API and version we define and then mutated (bytes
// flipped, truncated, extended), plus frames with valid headers and random
// bodies, wrong lengths, huge claimed sizes, and unknown API keys and
// versions. The broker must never crash, must not grow its memory by anything
// like the claimed sizes, and must serve a real client (kcat) afterwards.
// Seeded: a failure prints the seed to reproduce it.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { ALL_APIS } from '../../src/protocol/apis/index.ts';
import { codecFor } from '../../src/protocol/codec.ts';
import { writeRequestHeader } from '../../src/protocol/headers.ts';
import { parseVersions } from '../../src/protocol/schema.ts';
import { SeededRandom, sampleMessage } from '../../src/protocol/testing/sample-values.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';

const FRAMES_MIN = 100_000;
const CONNECTIONS = 64;
/** How long to wait for an answer before giving up on a connection (acks=0, long polls). */
const RESPONSE_WAIT_MS = 100;
const SEED = Number(process.env['GREGOR_FUZZ_SEED'] ?? 20261122);

function validRequests(rnd: SeededRandom): Buffer[] {
  const out: Buffer[] = [];
  for (const api of ALL_APIS) {
    const codec = codecFor(api.request);
    const range = parseVersions(api.request.validVersions);
    for (let v = range.min; v <= range.max; v++) {
      for (let copy = 0; copy < 8; copy++) {
        const w = new Writer();
        writeRequestHeader(
          w,
          { apiKey: api.apiKey, apiVersion: v, correlationId: rnd.int(1 << 30), clientId: 'fuzz' },
          codec.isFlexible(v),
        );
        codec.at(v).encode(w, sampleMessage(api.request, v, rnd) as never);
        out.push(w.toBuffer());
      }
    }
  }
  return out;
}

function frame(payload: Buffer, claimed = payload.length): Buffer {
  const b = Buffer.allocUnsafe(4 + payload.length);
  b.writeInt32BE(claimed, 0);
  payload.copy(b, 4);
  return b;
}

/** One fuzz frame: well-formed requests with random values, mutations of them, and noise. */
function makeFrame(corpus: readonly Buffer[], rnd: SeededRandom): Buffer {
  const base = rnd.pick(corpus);
  const kind = rnd.int(10);
  switch (kind) {
    case 4:
    case 5:
    case 6: {
      // A well-formed request with random field values: reaches the handlers.
      return frame(base);
    }
    case 0: {
      // Valid header, random body.
      return frame(Buffer.concat([base.subarray(0, 8), rnd.bytes(rnd.int(64))]));
    }
    case 1: {
      // Truncated request.
      return frame(base.subarray(0, rnd.int(base.length)));
    }
    case 2: {
      // Huge claimed size with a short body: must be refused before allocation.
      return frame(rnd.bytes(8), rnd.pick([0x7fffffff, 0x40000000, 200_000_000, -1, 0]));
    }
    case 3: {
      // Unknown API key or version.
      const b = Buffer.from(base);
      if (rnd.next() < 0.5) b.writeInt16BE(rnd.pick([-1, 99, 1000, 32767, 27, 57]), 0);
      else b.writeInt16BE(rnd.pick([-1, 99, 32767, 200]), 2);
      return frame(b);
    }
    default: {
      // Byte flips in a valid request (body only, mostly, so it still routes).
      const b = Buffer.from(base);
      const flips = 1 + rnd.int(4);
      for (let i = 0; i < flips; i++) {
        const at = b.length <= 8 ? rnd.int(b.length) : 8 + rnd.int(b.length - 8);
        b[at] = rnd.int(256);
      }
      if (rnd.next() < 0.1) return frame(Buffer.concat([b, rnd.bytes(rnd.int(16))]));
      return frame(b);
    }
  }
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Sends frames one at a time on a connection, waiting for the answer (or the
 * close, or a short timeout for requests that get no answer or long-poll), and
 * opens a new connection whenever the broker closes one. Returns frames sent.
 */
async function drive(port: number, take: () => Buffer | null): Promise<number> {
  let sent = 0;
  let socket: Socket | null = null;
  let wake: (() => void) | null = null;
  let alive = false;
  for (;;) {
    const next = take();
    if (next === null) break;
    if (socket === null || !alive) {
      socket?.destroy();
      socket = await openSocket(port);
      alive = true;
      const s = socket;
      s.on('data', () => wake?.());
      s.on('close', () => {
        if (socket === s) alive = false;
        wake?.();
      });
      s.on('error', () => {});
    }
    const answered = new Promise<void>((resolve) => {
      wake = resolve;
    });
    socket.write(next);
    sent++;
    const timedOut = await Promise.race([
      answered.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), RESPONSE_WAIT_MS)),
    ]);
    wake = null;
    if (timedOut) alive = false;
  }
  socket?.destroy();
  return sent;
}

let b: TestBroker;
before(async () => {
  // message.max.bytes must fit in a request (a contradiction stops start-up).
  b = await startTestBroker({
    'socket.request.max.bytes': '1048576',
    'message.max.bytes': '1048576',
    'num.partitions': '2',
  });
});
after(async () => {
  await b.stop();
});

test(`survives ${FRAMES_MIN} random and mutated request frames (seed ${SEED})`, async () => {
  const rnd = new SeededRandom(SEED);
  const corpus = validRequests(rnd);
  assert.ok(corpus.length > 300, 'a corpus covering every API and version');
  const rssBefore = process.memoryUsage().rss;
  let made = 0;
  const take = (): Buffer | null => {
    if (made >= FRAMES_MIN) return null;
    made++;
    return makeFrame(corpus, rnd);
  };
  const counts = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => drive(b.broker.port, take)),
  );
  const sent = counts.reduce((a, c) => a + c, 0);
  assert.ok(sent >= FRAMES_MIN, `sent ${sent} frames`);
  const handled = [...b.broker.requestCounts().values()].reduce((a, c) => a + c, 0);
  console.log(
    `fuzz: ${sent} frames sent, ${handled} decoded and handled, ${b.broker.requestCounts().size} APIs reached`,
  );
  assert.ok(handled >= sent / 5, `only ${handled} of ${sent} frames reached a handler`);
  const rssGrowthBytes = process.memoryUsage().rss - rssBefore;
  assert.ok(rssGrowthBytes < 512 * 1024 * 1024, `memory grew by ${rssGrowthBytes} bytes`);

  // A real client still works. The broker may still be finishing work the
  // fuzz left (topics with many partitions being opened), so allow it time.
  const p = await run('kcat', ['-b', b.bootstrap, '-P', '-t', 'after-fuzz', '-K', ':'], {
    input: 'a:1\nb:2\nc:3\n',
    timeoutMs: 60_000,
  });
  assert.equal(p.code, 0, p.stderr);
  let seen: string[] = [];
  const deadline = Date.now() + 30_000;
  while (seen.length < 3 && Date.now() < deadline) {
    const c = await run('kcat', [
      '-b',
      b.bootstrap,
      '-C',
      '-t',
      'after-fuzz',
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k=%s\n',
    ]);
    assert.equal(c.code, 0, c.stderr);
    seen = c.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .sort();
    if (seen.length < 3) await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(seen, ['a=1', 'b=2', 'c=3'], `kcat -P said: ${p.stderr}`);
});
