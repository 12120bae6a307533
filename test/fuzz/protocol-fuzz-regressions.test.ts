// Bugs the protocol fuzzer found, each replayed against a live broker process:
// - a request of a million one-byte array elements (a megabyte of empty group
//   names) was decoded in full, taking the event loop for seconds and heap by the
//   hundreds of MB per 20 MB frame; now more than REQUEST_ARRAY_ELEMENTS_MAX
//   elements close the connection as a malformed request;
// - Produce v0-2 with acks=0 (closed, as no answer could carry the error) was
//   logged as a bug in Gregor, with a stack; now as the client's doing.

import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { REQUEST_ARRAY_ELEMENTS_MAX } from '../../src/server/connection.ts';
import { apiVersions, type FuzzBroker, startBroker } from './protocol-fuzz.ts';

let broker: FuzzBroker;
before(async () => {
  broker = await startBroker({ 'socket.request.max.bytes': String(8 * 1024 * 1024) });
});
after(async () => {
  broker.child.kill('SIGKILL');
  await rm(broker.dir, { recursive: true, force: true });
});

function uvarint(v: number): Buffer {
  const out: number[] = [];
  let x = v;
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
  return Buffer.from(out);
}

function frame(apiKey: number, version: number, flexible: boolean, body: Buffer): Buffer {
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(7, 4);
  header.writeInt16BE(-1, 8); // null client id
  const payload = Buffer.concat([header, flexible ? Buffer.from([0]) : Buffer.alloc(0), body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Sends `bytes`; resolves with what came back once the broker closes (or after timeoutMs). */
function exchange(bytes: Buffer, timeoutMs: number): Promise<{ closed: boolean; answer: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s: Socket = connect({ host: '127.0.0.1', port: broker.port }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ closed: false, answer: Buffer.concat(chunks) });
    }, timeoutMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, answer: Buffer.concat(chunks) });
    });
  });
}

async function logLines(): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(broker.logFile, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('a request announcing more array elements than the bound closes its connection unread', async () => {
  const n = REQUEST_ARRAY_ELEMENTS_MAX + 1;
  // DescribeGroups v5 (flexible): groups as a compact array of empty compact strings.
  const body = Buffer.concat([uvarint(n + 1), Buffer.alloc(n, 1), Buffer.from([0, 0])]);
  const r = await exchange(frame(15, 5, true, body), 60_000);
  assert.ok(r.closed, 'the broker did not close the connection');
  assert.equal(r.answer.length, 0, 'the broker answered a request it should refuse');
  const refused = (await logLines()).find(
    (l) =>
      typeof l['msg'] === 'string' && /more than 1000000 array elements/.test(l['msg'] as string),
  );
  assert.ok(refused !== undefined, 'no log line names the element bound');
  // A bounded request still works, and so does everyone else.
  const small = Buffer.concat([uvarint(3), Buffer.from([1, 1]), Buffer.from([0, 0])]);
  const ok = await exchange(frame(15, 5, true, small), 2000);
  assert.ok(ok.answer.length > 8, 'a two-group DescribeGroups got no answer');
  await apiVersions(broker.port);
});

test('Produce v0 with acks=0 closes the connection with a warning, not a bug report', async () => {
  // transactional id absent in v0: acks int16, timeout int32, topics array of 0.
  const body = Buffer.from([0, 0, 0, 0, 0x13, 0x88, 0, 0, 0, 0]);
  const r = await exchange(frame(0, 0, false, body), 10_000);
  assert.ok(r.closed, 'the broker did not close the connection');
  let lines: Array<Record<string, unknown>> = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    lines = (await logLines()).filter((l) => l['apiKey'] === 0 && l['msg'] === 'request failed');
    if (lines.length > 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(lines.length, 1, 'one log line for the refused request');
  assert.equal(lines[0]!['level'], 40, 'logged as a warning (the client did it)');
  assert.equal(lines[0]!['err'], undefined, 'no stack: it is not a bug of ours');
});
