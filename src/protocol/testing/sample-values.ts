// Random but well-formed values for any message definition at any version,
// from a seeded generator: the seed corpus of the request fuzzer and of the
// generic codec round-trip test. Test support only.

import type { FieldDef, MessageDef, PrimitiveType } from '../schema.ts';
import { versionIn } from '../schema.ts';

/** xorshift32: small, fast and reproducible from a seed. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const WORDS = ['orders', 'a', 'topic-1', '__consumer_offsets', 'g', 'ü-ñ', '', 'x.y_z'];

function primitive(t: PrimitiveType, rnd: SeededRandom): unknown {
  switch (t) {
    case 'bool':
      return rnd.next() < 0.5;
    case 'int8':
      return rnd.int(256) - 128;
    case 'int16':
      return rnd.int(65536) - 32768;
    case 'uint16':
      return rnd.int(65536);
    case 'int32':
      return rnd.pick([0, 1, -1, 3, 100, 2147483647, -2147483648, rnd.int(1000)]);
    case 'uint32':
      return rnd.int(0x1_0000_0000);
    case 'int64':
      return rnd.pick([
        0,
        -1,
        -2,
        1,
        1_700_000_000_000,
        Number.MAX_SAFE_INTEGER,
        rnd.int(1_000_000),
      ]);
    case 'float64':
      return rnd.next() * 1000;
    case 'string':
      return rnd.pick(WORDS);
    case 'bytes':
    case 'records':
      return rnd.bytes(rnd.int(40));
    case 'uuid':
      return rnd.bytes(16).toString('base64url');
  }
}

function fieldValue(f: FieldDef, version: number, rnd: SeededRandom, depth: number): unknown {
  if (versionIn(f.nullableVersions, version) && rnd.next() < 0.15) return null;
  if (f.type === '{}') return struct(f.fields ?? [], version, rnd, depth + 1);
  if (f.type.startsWith('[]')) {
    const n = depth > 3 ? 0 : rnd.int(3);
    const elem = f.type.slice(2);
    return Array.from({ length: n }, () =>
      elem === ''
        ? struct(f.fields ?? [], version, rnd, depth + 1)
        : primitive(elem as PrimitiveType, rnd),
    );
  }
  return primitive(f.type as PrimitiveType, rnd);
}

function struct(
  fields: readonly FieldDef[],
  version: number,
  rnd: SeededRandom,
  depth: number,
): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    if (versionIn(f.versions, version)) o[f.name] = fieldValue(f, version, rnd, depth);
  }
  return o;
}

/** A random value with the fields `def` has at `version` (others left to their defaults). */
export function sampleMessage(
  def: MessageDef,
  version: number,
  rnd: SeededRandom,
): Record<string, unknown> {
  return struct(def.fields, version, rnd, 0);
}
