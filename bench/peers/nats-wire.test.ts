import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusOf, type WireMessage, WireParser } from './nats-wire.ts';

const WIRE = Buffer.from(
  'INFO {"server_id":"x"}\r\nPING\r\n' +
    'MSG bench.messages 7 5\r\nhello\r\n' +
    'MSG _INBOX.a 3 $JS.ACK.x 2\r\nok\r\n' +
    'HMSG _INBOX.a.1 9 32 32\r\nNATS/1.0 408 Request Timeout\r\n\r\n\r\n' +
    'HMSG s 2 r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n+OK\r\n',
);

function parseAll(chunks: Buffer[]): {
  messages: Array<[string, WireMessage]>;
  controls: string[];
} {
  const messages: Array<[string, WireMessage]> = [];
  const controls: string[] = [];
  const parser = new WireParser(
    (sid, m) => messages.push([sid, m]),
    (line) => controls.push(line),
  );
  for (const chunk of chunks) parser.push(chunk);
  return { messages, controls };
}

function summary(r: ReturnType<typeof parseAll>): unknown {
  return {
    controls: r.controls,
    messages: r.messages.map(([sid, m]) => [
      sid,
      m.subject,
      m.reply,
      m.headers?.toString() ?? null,
      m.payload.toString(),
    ]),
  };
}

const EXPECTED = {
  controls: ['INFO {"server_id":"x"}', 'PING', '+OK'],
  messages: [
    ['7', 'bench.messages', '', null, 'hello'],
    ['3', '_INBOX.a', '$JS.ACK.x', null, 'ok'],
    ['9', '_INBOX.a.1', '', 'NATS/1.0 408 Request Timeout\r\n\r\n', ''],
    ['2', 's', 'r', 'NATS/1.0\r\n\r\n', 'hi'],
  ],
};

test('parses control lines, MSG and HMSG, whole and split at every byte', () => {
  assert.deepEqual(summary(parseAll([WIRE])), EXPECTED);
  for (let cut = 1; cut < WIRE.length; cut++) {
    assert.deepEqual(
      summary(parseAll([WIRE.subarray(0, cut), WIRE.subarray(cut)])),
      EXPECTED,
      `cut ${cut}`,
    );
  }
});

test('reads the status code of a JetStream status message', () => {
  assert.equal(statusOf(Buffer.from('NATS/1.0 408 Request Timeout\r\n\r\n')), 408);
  assert.equal(statusOf(Buffer.from('NATS/1.0\r\n\r\n')), 0);
  assert.equal(statusOf(null), 0);
});
