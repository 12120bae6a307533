// Parsing one value by type with Kafka's ConfigDef semantics, and the validators.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, between, describeValidator, oneOf, parseConfigValue } from './config-value.ts';

describe('parseConfigValue', () => {
  it('trims text and parses ints within 32 bits', () => {
    assert.deepEqual(parseConfigValue('int', ' 42 ', undefined), {
      ok: true,
      value: 42,
      text: '42',
    });
    assert.equal(parseConfigValue('int', '2147483648', undefined).ok, false);
    assert.equal(parseConfigValue('int', '1.5', undefined).ok, false);
    assert.equal(parseConfigValue('int', 'abc', undefined).ok, false);
    assert.equal(parseConfigValue('int', '', undefined).ok, false);
  });

  it('parses shorts within 16 bits', () => {
    assert.equal(parseConfigValue('short', '32767', undefined).ok, true);
    assert.equal(parseConfigValue('short', '32768', undefined).ok, false);
  });

  it('clamps longs beyond 2^53-1 to Number.MAX_SAFE_INTEGER but keeps their text', () => {
    const parsed = parseConfigValue('long', '9223372036854775807', undefined);
    assert.deepEqual(parsed, {
      ok: true,
      value: Number.MAX_SAFE_INTEGER,
      text: '9223372036854775807',
    });
    assert.equal(parseConfigValue('long', '9223372036854775808', undefined).ok, false);
    assert.deepEqual(parseConfigValue('long', '-1', undefined), {
      ok: true,
      value: -1,
      text: '-1',
    });
  });

  it('parses booleans case-insensitively and nothing else', () => {
    assert.equal(parseConfigValue('boolean', 'TRUE', undefined).ok && true, true);
    assert.deepEqual(parseConfigValue('boolean', 'False', undefined), {
      ok: true,
      value: false,
      text: 'False',
    });
    assert.equal(parseConfigValue('boolean', 'yes', undefined).ok, false);
  });

  it('parses doubles but not NaN or words', () => {
    assert.deepEqual(parseConfigValue('double', '0.5', undefined), {
      ok: true,
      value: 0.5,
      text: '0.5',
    });
    assert.equal(parseConfigValue('double', '1e-3', undefined).ok, true);
    assert.equal(parseConfigValue('double', 'NaN', undefined).ok, false);
    assert.equal(parseConfigValue('double', 'half', undefined).ok, false);
  });

  it('splits lists on commas with surrounding spaces; empty text is an empty list', () => {
    assert.deepEqual(parseConfigValue('list', ' a , b,c ', undefined), {
      ok: true,
      value: ['a', 'b', 'c'],
      text: 'a,b,c',
    });
    assert.deepEqual(parseConfigValue('list', '', undefined), { ok: true, value: [], text: '' });
  });

  it('applies range and oneOf validators, to each list item for lists', () => {
    assert.equal(parseConfigValue('int', '0', atLeast(1)).ok, false);
    assert.equal(parseConfigValue('int', '1', atLeast(1)).ok, true);
    assert.equal(parseConfigValue('double', '1.5', between(0, 1)).ok, false);
    assert.equal(parseConfigValue('list', 'compact,delete', oneOf('compact', 'delete')).ok, true);
    assert.equal(parseConfigValue('list', 'compact,remove', oneOf('compact', 'delete')).ok, false);
    assert.equal(parseConfigValue('string', 'createtime', oneOf('CreateTime')).ok, false);
  });

  it('describes validators the way Kafka documents them', () => {
    assert.equal(describeValidator(atLeast(1)), '[1,...]');
    assert.equal(describeValidator(between(0, 1)), '[0,...,1]');
    assert.equal(describeValidator(oneOf('a', 'b')), '[a, b]');
  });
});
