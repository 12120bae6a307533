// The console tools' text formats against Kafka's DefaultMessageFormatter and
// LineMessageReader behaviour: field order, prefixes, separators, null handling.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConsumedRecord } from '../client/fetcher.ts';
import { LineFormatError, lineReaderConfig, parseLine } from './line-message-reader.ts';
import { formatRecord, formatterConfig } from './message-formatter.ts';

const record: ConsumedRecord = {
  topic: 't',
  partition: 2,
  offset: 5,
  timestampMs: 1700000000000,
  timestampType: 'CreateTime',
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  headers: [
    { key: 'h1', value: Buffer.from('a') },
    { key: 'h2', value: null },
  ],
};

const props = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));
const text = (r: ConsumedRecord, o: Record<string, string>): string =>
  formatRecord(r, formatterConfig(props(o))).toString();

describe('DefaultMessageFormatter format', () => {
  test('prints the value alone by default', () => {
    assert.equal(text(record, {}), 'v\n');
  });

  test('orders timestamp, partition, offset, headers, key, value', () => {
    const all = {
      'print.timestamp': 'true',
      'print.partition': 'true',
      'print.offset': 'true',
      'print.headers': 'true',
      'print.key': 'true',
    };
    assert.equal(
      text(record, all),
      'CreateTime:1700000000000\tPartition:2\tOffset:5\th1:a,h2:null\tk\tv\n',
    );
  });

  test('honours key.separator, null.literal and NO_HEADERS', () => {
    const r = { ...record, key: null, headers: [] };
    const o = {
      'print.key': 'true',
      'print.headers': 'true',
      'key.separator': ' | ',
      'null.literal': '<null>',
    };
    assert.equal(text(r, o), 'NO_HEADERS | <null> | v\n');
  });

  test('without the value, the last printed field ends the line', () => {
    assert.equal(text(record, { 'print.key': 'true', 'print.value': 'false' }), 'k\n');
  });
});

describe('LineMessageReader parsing', () => {
  test('the whole line is the value unless parse.key is set', () => {
    const r = parseLine('a:b', 1, lineReaderConfig(props({})));
    assert.equal(r.key, null);
    assert.equal(r.value?.toString(), 'a:b');
  });

  test('splits key and value at the first key.separator', () => {
    const cfg = lineReaderConfig(props({ 'parse.key': 'true', 'key.separator': ':' }));
    const r = parseLine('user1:hello:world', 1, cfg);
    assert.equal(r.key?.toString(), 'user1');
    assert.equal(r.value?.toString(), 'hello:world');
  });

  test('reads headers before the key, and null.marker as null', () => {
    const cfg = lineReaderConfig(
      props({ 'parse.headers': 'true', 'parse.key': 'true', 'null.marker': 'NULL' }),
    );
    const r = parseLine('h1:v1,h2:NULL\tk\tNULL', 1, cfg);
    assert.deepEqual(
      r.headers.map((h) => [h.key, h.value?.toString() ?? null]),
      [
        ['h1', 'v1'],
        ['h2', null],
      ],
    );
    assert.equal(r.key?.toString(), 'k');
    assert.equal(r.value, null);
  });

  test('a missing key separator names the line, unless ignore.error', () => {
    const cfg = lineReaderConfig(props({ 'parse.key': 'true', 'key.separator': ':' }));
    assert.throws(
      () => parseLine('nokey', 3, cfg),
      (e: Error) => {
        assert.ok(e instanceof LineFormatError);
        assert.equal(e.message, "No key separator found on line number 3: 'nokey'");
        return true;
      },
    );
    const lenient = lineReaderConfig(
      props({ 'parse.key': 'true', 'key.separator': ':', 'ignore.error': 'true' }),
    );
    assert.equal(parseLine('nokey', 3, lenient).value?.toString(), 'nokey');
  });

  test('refuses separators that would be ambiguous', () => {
    assert.throws(() => lineReaderConfig(props({ 'headers.separator': ':' })), /may not be equal/);
  });
});
