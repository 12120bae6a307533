// Bad input against the authentication exchange of a live SASL listener: requests of every
// other API before authentication, SaslAuthenticate before the handshake, malformed and
// truncated handshakes, SASL tokens that are noise, frames claiming sizes above
// sasl.server.max.receive.size (up to 2 GiB), and SASL requests whose inner lengths lie.
// Every such connection must be closed by the broker (none left waiting), the broker must
// not crash or grow its memory by anything like the claimed sizes, and a real client must
// authenticate afterwards. Seeded: a failure prints the seed.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { ALL_APIS } from '../../src/protocol/apis/index.ts';
import { SaslAuthenticate } from '../../src/protocol/apis/sasl-authenticate.ts';
import { SaslHandshake } from '../../src/protocol/apis/sasl-handshake.ts';
import { codecFor } from '../../src/protocol/codec.ts';
import { writeRequestHeader } from '../../src/protocol/headers.ts';
import { parseVersions } from '../../src/protocol/schema.ts';
import { SeededRandom, sampleMessage } from '../../src/protocol/testing/sample-values.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { run } from '../harness/processes.ts';
import { PLAIN_USER, type SecureTestBroker, startSecureBroker } from '../harness/secure-broker.ts';

const SEED = Number(process.env['GREGOR_FUZZ_SEED'] ?? 20261207);
const RECEIVE_MAX = 4096;
/** A connection the broker has not closed after this long is a failure (it would be left waiting). */
const CLOSE_WAIT_MS = 5_000;
const CONCURRENCY = 16;
const SASL_KEYS = new Set([17, 18, 36]);

let b: SecureTestBroker;
before(async () => {
  b = await startSecureBroker({ 'sasl.server.max.receive.size': String(RECEIVE_MAX) });
});
after(() => b.stop());

function header(apiKey: number, version: number, flexible: boolean, rnd: SeededRandom): Writer {
  const w = new Writer();
  writeRequestHeader(
    w,
    { apiKey, apiVersion: version, correlationId: rnd.int(1 << 30), clientId: 'sasl-fuzz' },
    flexible,
  );
  return w;
}

function framed(payload: Buffer, claimed = payload.length): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(claimed, 0);
  payload.copy(out, 4);
  return out;
}

/** A valid request of some API other than the SASL ones and ApiVersions. */
function otherRequest(rnd: SeededRandom): Buffer {
  const apis = ALL_APIS.filter((a) => !SASL_KEYS.has(a.apiKey));
  const api = rnd.pick(apis);
  const range = parseVersions(api.request.validVersions);
  const v = range.min + rnd.int(range.max - range.min + 1);
  const codec = codecFor(api.request);
  const w = header(api.apiKey, v, codec.isFlexible(v), rnd);
  codec.at(v).encode(w, sampleMessage(api.request, v, rnd) as never);
  return framed(w.toBuffer());
}

function handshake(mechanism: string, version: number, rnd: SeededRandom): Buffer {
  const w = header(17, version, false, rnd);
  codecFor(SaslHandshake.request).at(version).encode(w, { mechanism });
  return w.toBuffer();
}

function authenticate(token: Buffer, version: number, rnd: SeededRandom): Buffer {
  const w = header(36, version, version >= 2, rnd);
  codecFor(SaslAuthenticate.request).at(version).encode(w, { authBytes: token });
  return w.toBuffer();
}

/** One hostile conversation: the frames to send, in order. The broker must close after them. */
function conversation(rnd: SeededRandom): Buffer[] {
  const kind = rnd.int(9);
  switch (kind) {
    case 0:
      return [otherRequest(rnd)];
    case 1:
      return [framed(authenticate(rnd.bytes(rnd.int(64)), rnd.int(3), rnd))];
    case 2: {
      // A claimed size above the SASL limit, up to 2 GiB, with only the size sent.
      const claimed = RECEIVE_MAX + 1 + rnd.int(0x7fffffff - RECEIVE_MAX - 1);
      return [framed(Buffer.alloc(0), claimed)];
    }
    case 3: {
      // A handshake whose string length claims more than the frame holds.
      const h = handshake('PLAIN', 1, rnd);
      h.writeInt16BE(0x7fff, h.length - 7);
      return [framed(h)];
    }
    case 4: {
      // SaslAuthenticate with a bytes length claiming ~2 GiB inside a small frame.
      const a = authenticate(Buffer.from('xxxx'), 0, rnd);
      a.writeInt32BE(0x7ffffff0, a.length - 8);
      return [framed(handshake('PLAIN', 1, rnd)), framed(a)];
    }
    case 5:
      // A handshake naming a mechanism we do not offer, then a request anyway.
      return [
        framed(
          handshake(
            rnd.pick(['GSSAPI', 'SCRAM-SHA-1', '', 'plain', 'X'.repeat(300)]),
            rnd.int(2),
            rnd,
          ),
        ),
        otherRequest(rnd),
      ];
    case 6:
      // A mechanism's tokens that are noise (PLAIN, SCRAM, OAUTHBEARER), v1 then v0 raw.
      return rnd.int(2) === 0
        ? [
            framed(
              handshake(
                rnd.pick(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']),
                1,
                rnd,
              ),
            ),
            framed(authenticate(rnd.bytes(1 + rnd.int(200)), rnd.int(3), rnd)),
          ]
        : [
            framed(handshake(rnd.pick(['PLAIN', 'SCRAM-SHA-512']), 0, rnd)),
            framed(rnd.bytes(1 + rnd.int(200))),
          ];
    case 7:
      // Noise of a plausible size before anything else.
      return [framed(rnd.bytes(1 + rnd.int(RECEIVE_MAX)))];
    default:
      // A valid handshake and then a request that is not SaslAuthenticate.
      return [framed(handshake('PLAIN', 1, rnd)), otherRequest(rnd)];
  }
}

/** Sends the frames; resolves with how long the broker took to close, or rejects. */
function converse(port: number, frames: readonly Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port }, () => {
      for (const f of frames) socket.write(f);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the broker left the connection open'));
    }, CLOSE_WAIT_MS);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test('every hostile authentication exchange is closed, without a crash or a large allocation', async () => {
  const rnd = new SeededRandom(SEED);
  const port = Number(b.address('SASL_PLAINTEXT').split(':')[1]);
  const conversations = Array.from({ length: 600 }, () => conversation(rnd));
  const before = process.memoryUsage();
  let next = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < conversations.length) {
        const i = next++;
        await converse(port, conversations[i]!).catch((err: Error) =>
          failures.push(`#${i}: ${err.message}`),
        );
      }
    }),
  );
  assert.deepEqual(failures, [], `seed ${SEED}`);
  const after = process.memoryUsage();
  const growth = after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed);
  assert.ok(growth < 64 * 1024 * 1024, `memory grew by ${growth} bytes (seed ${SEED})`);
  // The broker still authenticates and serves a real client.
  const r = await run('kcat', [
    '-b',
    b.address('SASL_PLAINTEXT'),
    '-X',
    'security.protocol=SASL_PLAINTEXT',
    '-X',
    'sasl.mechanisms=PLAIN',
    '-X',
    `sasl.username=${PLAIN_USER.name}`,
    '-X',
    `sasl.password=${PLAIN_USER.password}`,
    '-L',
    '-m',
    '10',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 brokers/);
});
