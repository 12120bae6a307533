// ApiVersions quirks, pinned on the wire (KIP-511): the response header never
// carries tagged fields, even for the flexible v3+ body; an unsupported
// version is answered at v0 with UNSUPPORTED_VERSION (35) and the full list of
// supported APIs, so a client can retry with a version we know. Other APIs at
// an unsupported version close the connection, as Kafka does.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { ALL_APIS } from '../../src/protocol/apis/index.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';

let b: TestBroker;
before(async () => {
  b = await startTestBroker();
});
after(async () => {
  await b.stop();
});

function request(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  flexible: boolean,
  body: Buffer,
): Buffer {
  const clientId = Buffer.from('pin');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const parts = [header, clientId, flexible ? Buffer.from([0]) : Buffer.alloc(0), body];
  const payload = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/** Sends one frame; resolves with the response payload, or null if the broker closes. */
function exchange(frame: Buffer): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port: b.broker.port }, () => s.write(frame));
    let data = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 4 && data.length >= 4 + data.readInt32BE(0)) {
        s.destroy();
        resolve(data.subarray(4, 4 + data.readInt32BE(0)));
      }
    });
    s.on('close', () => resolve(null));
    s.on('error', reject);
  });
}

test('an unsupported ApiVersions version is answered at v0 with UNSUPPORTED_VERSION and the full list', async () => {
  const r = await exchange(request(18, 99, 4242, false, Buffer.alloc(0)));
  assert.ok(r !== null);
  assert.equal(r.readInt32BE(0), 4242, 'correlation id');
  assert.equal(r.readInt16BE(4), 35, 'UNSUPPORTED_VERSION');
  const count = r.readInt32BE(6);
  const keys = Array.from({ length: count }, (_, i) => r.readInt16BE(10 + i * 6));
  assert.equal(
    r.length,
    10 + count * 6,
    'v0 body: error code, array of (key, min, max), nothing else',
  );
  assert.ok(keys.includes(18) && keys.includes(0) && keys.includes(1) && keys.includes(3));
  for (const k of keys)
    assert.ok(
      ALL_APIS.some((a) => a.apiKey === k),
      `advertised key ${k} has a definition`,
    );
});

test('the ApiVersions v3 response header has no tagged fields', async () => {
  // v3 request body: compact strings client software name and version, then empty tags.
  const body = Buffer.from([0x02, 0x61, 0x02, 0x31, 0x00]);
  const r = await exchange(request(18, 3, 7, true, body));
  assert.ok(r !== null);
  assert.equal(r.readInt32BE(0), 7);
  // Straight after the correlation id comes the body's int16 error code (no tag byte).
  assert.equal(r.readInt16BE(4), 0);
  const count = r[6]! - 1; // compact array length
  assert.ok(count > 10, `${count} APIs listed`);
});

test('another API at an unsupported version closes the connection', async () => {
  const r = await exchange(request(3, 99, 1, false, Buffer.alloc(0)));
  assert.equal(r, null);
});
