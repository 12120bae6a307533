// Java .properties parsing, case by case against java.util.Properties.load's rules, so an
// operator's Kafka server.properties reads the same here.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config-error.ts';
import { parseProperties } from './properties.ts';

function asObject(text: string): Record<string, string> {
  return Object.fromEntries(parseProperties(text).map((entry) => [entry.key, entry.value]));
}

describe('parseProperties', () => {
  it('reads key=value, key: value and key value forms', () => {
    assert.deepEqual(asObject('a=1\nb: 2\nc 3\nd\t=\t4\ne :5'), {
      a: '1',
      b: '2',
      c: '3',
      d: '4',
      e: '5',
    });
  });

  it('skips # and ! comment lines and blank lines, also when indented', () => {
    assert.deepEqual(asObject('# comment\n  ! also\n\n   \nkey=value\n'), { key: 'value' });
  });

  it('does not treat # inside a value as a comment', () => {
    assert.deepEqual(asObject('a=x # not a comment'), { a: 'x # not a comment' });
  });

  it('keeps trailing whitespace of a value and drops leading whitespace', () => {
    assert.deepEqual(asObject('a =   spaced   '), { a: 'spaced   ' });
  });

  it('joins continued lines, dropping the leading whitespace of each continuation', () => {
    const text = 'listeners=PLAINTEXT://:9092,\\\n    SSL://:9093\nnext=1';
    assert.deepEqual(asObject(text), { listeners: 'PLAINTEXT://:9092,SSL://:9093', next: '1' });
  });

  it('treats an even number of trailing backslashes as escaped, not a continuation', () => {
    assert.deepEqual(asObject('a=dir\\\\\nb=2'), { a: 'dir\\', b: '2' });
  });

  it('a continuation line starting with # is content, not a comment', () => {
    assert.deepEqual(asObject('a=1\\\n#2'), { a: '1#2' });
  });

  it('a comment line ending in a backslash does not continue', () => {
    assert.deepEqual(asObject('# note \\\na=1'), { a: '1' });
  });

  it('drops a backslash at the very end of the file', () => {
    assert.deepEqual(asObject('a=1\\'), { a: '1' });
  });

  it('resolves escapes in keys and values, including separators and \\uXXXX', () => {
    const text = 'my\\=key\\:x\\ y=tab\\there\\nnewline \\u00e9 \\q';
    assert.deepEqual(asObject(text), { 'my=key:x y': 'tab\there\nnewline é q' });
  });

  it('accepts \\r\\n and \\r line endings and strips a byte-order mark', () => {
    assert.deepEqual(asObject('\uFEFFa=1\r\nb=2\rc=3'), { a: '1', b: '2', c: '3' });
  });

  it('lets a later duplicate key win, as Properties does', () => {
    assert.deepEqual(asObject('a=1\na=2'), { a: '2' });
  });

  it('gives an empty value to a key without one', () => {
    assert.deepEqual(asObject('a\nb=\nc:'), { a: '', b: '', c: '' });
  });

  it('reports the line on which each logical line starts', () => {
    const entries = parseProperties('# c\n\na=1\\\n  2\nb=3');
    assert.deepEqual(
      entries.map((e) => [e.key, e.line]),
      [
        ['a', 3],
        ['b', 5],
      ],
    );
  });

  it('rejects a malformed \\u escape with the file and line', () => {
    assert.throws(
      () => parseProperties('a=1\nb=\\u12G4', 'server.properties'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.code === 'GREGOR_ERR_CONFIG_SYNTAX' &&
        error.message.includes('server.properties:2'),
    );
  });

  it('rejects an empty key', () => {
    assert.throws(
      () => parseProperties('=value'),
      (error: unknown) => error instanceof ConfigError && error.code === 'GREGOR_ERR_CONFIG_SYNTAX',
    );
  });
});
