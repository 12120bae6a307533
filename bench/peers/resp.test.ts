import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCommands, RespError, RespParser, type RespValue } from './resp.ts';

// An XREAD-shaped reply: [[stream, [[id, [field, value]], [id, [field, value]]]]], then more.
const WIRE = Buffer.from(
  '*1\r\n*2\r\n$6\r\nstream\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nv\r\n$5\r\nhello\r\n' +
    '*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nv\r\n$0\r\n\r\n' +
    '+OK\r\n:42\r\n-ERR wrong\r\n$-1\r\n*0\r\n',
);

function text(value: RespValue): unknown {
  if (Buffer.isBuffer(value)) return value.toString();
  if (Array.isArray(value)) return value.map(text);
  if (value instanceof RespError) return `error: ${value.message}`;
  return value;
}

const EXPECTED = [
  [
    [
      'stream',
      [
        ['1-0', ['v', 'hello']],
        ['1-1', ['v', '']],
      ],
    ],
  ],
  'OK',
  42,
  'error: ERR wrong',
  null,
  [],
];

test('parses nested replies whole', () => {
  assert.deepEqual(new RespParser().push(WIRE).map(text), EXPECTED);
});

test('parses the same replies split at every byte', () => {
  for (let cut = 1; cut < WIRE.length; cut++) {
    const parser = new RespParser();
    const replies = [...parser.push(WIRE.subarray(0, cut)), ...parser.push(WIRE.subarray(cut))];
    assert.deepEqual(replies.map(text), EXPECTED, `cut at ${cut}`);
  }
});

test('parses replies fed one byte at a time', () => {
  const parser = new RespParser();
  const replies: RespValue[] = [];
  for (let i = 0; i < WIRE.length; i++) replies.push(...parser.push(WIRE.subarray(i, i + 1)));
  assert.deepEqual(replies.map(text), EXPECTED);
});

test('encodes commands as arrays of bulk strings, in one buffer of the exact size', () => {
  const value = Buffer.alloc(1024, 0x61);
  const wire = encodeCommands([
    ['XADD', 's', '*', 'v', Buffer.from('ab')],
    ['XLEN', 'é'],
    ['SET', 'k', value],
  ]);
  const expected =
    '*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\nv\r\n$2\r\nab\r\n' +
    '*2\r\n$4\r\nXLEN\r\n$2\r\né\r\n' +
    `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1024\r\n${'a'.repeat(1024)}\r\n`;
  assert.equal(wire.toString(), expected);
  assert.equal(wire.length, Buffer.byteLength(expected));
});

test('reads integers, negative lengths and large counts from the bytes', () => {
  const replies = new RespParser().push(
    Buffer.from(':-7\r\n:12345\r\n*-1\r\n$10\r\n0123456789\r\n'),
  );
  assert.deepEqual(replies.map(text), [-7, 12345, null, '0123456789']);
});
