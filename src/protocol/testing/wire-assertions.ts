// Assertions the protocol definitions' tests share: golden bytes written as
// spaced hex, a decode that must consume every byte, and an encode that must
// give exactly the golden bytes and decode back to the same value.

import assert from 'node:assert/strict';
import { codecFor, type MessageValue } from '../codec.ts';
import { Reader } from '../reader.ts';
import type { MessageDef } from '../schema.ts';

/** Bytes from hex strings; whitespace is ignored so fields can be spaced apart. */
export function hex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
}

/** Decodes and insists every byte was consumed. */
export function decodeAll<M extends MessageDef>(
  def: M,
  buf: Buffer,
  version: number,
): MessageValue<M> {
  const r = new Reader(buf);
  const value = codecFor(def).at(version).decode(r);
  assert.equal(r.remaining(), 0, `${def.name} v${version} left ${r.remaining()} bytes`);
  return value;
}

/** Encodes `value` at `version`, compares with `expected`, and decodes it back. */
export function assertBytes<M extends MessageDef>(
  def: M,
  value: MessageValue<M>,
  version: number,
  expected: Buffer,
): void {
  const actual = codecFor(def).encode(value, version);
  assert.equal(actual.toString('hex'), expected.toString('hex'), `${def.name} v${version}`);
  assert.deepEqual(decodeAll(def, actual, version), value);
}
