// The protocol fuzzer's request generator, driven by the API definitions:
// for every API and version it builds a request with hostile but well-typed
// values (boundary integers, odd names, record batches), encodes it with the
// field spans (traced-encoder.ts), then applies one field-aware mutation —
// a boundary integer, a lying length or count, a truncation inside a field, a
// dropped or repeated field, broken tagged fields, a wrong header version,
// garbage in a records field, stray trailing bytes, a lying frame size — and
// says whether the broker's own codec can still decode it (if not, the broker
// must close the connection). Seeded: the same seed makes the same requests.
// Test support only.

import { ALL_APIS } from '../apis/index.ts';
import { codecFor } from '../codec.ts';
import { readRequestHeaderStart, readRequestHeaderTags, writeRequestHeader } from '../headers.ts';
import { Reader } from '../reader.ts';
import { computeBatchCrc, OFFSET_CRC } from '../record-batch.ts';
import { buildRecordBatchSync } from '../records.ts';
import type { ApiDef, FieldDef, MessageDef, PrimitiveType } from '../schema.ts';
import { parseVersions, versionIn } from '../schema.ts';
import { Writer } from '../writer.ts';
import type { SeededRandom } from './sample-values.ts';
import { encodeTraced, type Span } from './traced-encoder.ts';

export const MUTATIONS = [
  'none',
  'int-boundary',
  'length-lie',
  'truncate',
  'drop-field',
  'duplicate-field',
  'tagged-fields',
  'wrong-version',
  'records-garbage',
  'string-garbage',
  'trailing-bytes',
  'random-body',
  'header',
  'frame-size',
  'amplify',
] as const;

export type Mutation = (typeof MUTATIONS)[number];

/** Relative weights: mostly field-aware mutations, some hostile-but-valid requests. */
const MUTATION_WEIGHTS: Record<Mutation, number> = {
  none: 10,
  'int-boundary': 14,
  'length-lie': 14,
  truncate: 10,
  'drop-field': 6,
  'duplicate-field': 5,
  'tagged-fields': 8,
  'wrong-version': 6,
  'records-garbage': 6,
  'string-garbage': 5,
  'trailing-bytes': 3,
  'random-body': 3,
  header: 4,
  'frame-size': 2,
  amplify: 0.2,
};

export interface FuzzRequest {
  /** Size-prefixed, ready to write to a socket. */
  readonly frame: Buffer;
  readonly api: ApiDef;
  /** The version the header claims. */
  readonly version: number;
  /** The version the request was built for (the header may claim another). */
  readonly baseVersion: number;
  readonly mutation: Mutation;
  readonly correlationId: number;
  /**
   * The frame's size prefix does not describe it (too big, negative, or leaving
   * bytes over): nothing after it on the connection can be framed.
   */
  readonly desyncs: boolean;
  /** The broker's codec cannot decode it (or its size is refused): the broker must close. */
  readonly malformed: boolean;
  /**
   * What the broker must do: 'close' the connection (a frame it cannot decode or a size
   * it refuses), answer or close ('answer'; a few APIs may also wait, such as acks=0
   * produce or a long poll), or nothing in particular ('any': a size prefix claiming more
   * bytes than sent leaves the broker rightly waiting for them).
   */
  readonly expect: 'close' | 'answer' | 'any';
}

/** Which versions the broker serves per API key (from its ApiVersions answer). */
export type Served = ReadonlyMap<number, { readonly min: number; readonly max: number }>;

export interface MutatorOptions {
  /** Topic and group names requests use; mix in existing ones so handlers do real work. */
  readonly names: readonly string[];
  /** Names the fuzzer must never touch (the healthy clients' topics and groups). */
  readonly reserved?: readonly string[];
  /** The broker's socket.request.max.bytes: a larger claimed size must close the connection. */
  readonly frameSizeBytesMax: number;
  /** The broker's bound on array elements per request: more must close the connection. */
  readonly arrayElementsMax: number;
}

const HOSTILE_NAMES = [
  '',
  '.',
  '..',
  '__consumer_offsets',
  'ü-ñ',
  'a/b',
  'a\u0000b',
  'x'.repeat(249),
  'y'.repeat(250),
  'z'.repeat(1000),
  'name with spaces',
];

const INT_BOUNDS: Record<'int8' | 'int16' | 'int32', readonly number[]> = {
  int8: [0, 1, -1, 127, -128, 126, -127],
  int16: [0, 1, -1, 32767, -32768, 32766, -32767, 255, 256],
  int32: [0, 1, -1, 2147483647, -2147483648, 2147483646, -2147483647, 65535, 65536, 1 << 24],
};

const INT64_BOUNDS: readonly bigint[] = [
  0n,
  1n,
  -1n,
  -2n,
  9223372036854775807n,
  -9223372036854775808n,
  9007199254740991n,
  9007199254740992n,
  -9007199254740992n,
  1n << 40n,
];

/** A pair (API, version) for every version of every API we define. */
export function allApiVersions(apis: readonly ApiDef[] = ALL_APIS): Array<[ApiDef, number]> {
  const out: Array<[ApiDef, number]> = [];
  for (const api of apis) {
    const r = parseVersions(api.request.validVersions);
    for (let v = r.min; v <= r.max; v++) out.push([api, v]);
  }
  return out;
}

// ---- hostile but well-typed values ---------------------------------------

function hostileInt(type: 'int8' | 'int16' | 'int32', rnd: SeededRandom): number {
  const x = rnd.next();
  if (x < 0.45) return rnd.int(4); // plausible: partition 0..3, small counts, acks 0/1
  if (x < 0.55) return rnd.pick(type === 'int8' ? [-1, 100] : [-1, 100, 1000]);
  return rnd.pick(INT_BOUNDS[type]);
}

function hostileInt64(rnd: SeededRandom): number {
  const x = rnd.next();
  if (x < 0.45) return rnd.int(100);
  return rnd.pick([-1, -2, 0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1 << 30]);
}

function recordsValue(rnd: SeededRandom): Buffer | null {
  const x = rnd.next();
  if (x < 0.1) return null;
  if (x < 0.7) {
    const n = 1 + rnd.int(3);
    const records = Array.from({ length: n }, (_, i) => ({
      key: rnd.next() < 0.5 ? null : Buffer.from(`k${i}`),
      value: rnd.next() < 0.1 ? null : rnd.bytes(rnd.int(32)),
    }));
    const idempotent = rnd.next() < 0.3;
    return buildRecordBatchSync({
      records,
      timestampMs: rnd.pick([0, -1, 1_700_000_000_000, Number.MAX_SAFE_INTEGER]),
      ...(idempotent
        ? { producerId: rnd.int(5), producerEpoch: rnd.int(3), baseSequence: rnd.int(10) }
        : {}),
      transactional: idempotent && rnd.next() < 0.3,
    });
  }
  return rnd.bytes(rnd.int(80));
}

function primitiveValue(
  t: PrimitiveType,
  rnd: SeededRandom,
  names: readonly string[],
  fieldName: string,
): unknown {
  switch (t) {
    case 'bool':
      return rnd.next() < 0.5;
    case 'int8':
    case 'int16':
    case 'int32':
      return hostileInt(t, rnd);
    case 'uint16':
      return rnd.pick([0, 1, 65535, rnd.int(65536)]);
    case 'uint32':
      return rnd.pick([0, 1, 0xffffffff, rnd.int(0x1_0000_0000)]);
    case 'int64':
      return hostileInt64(rnd);
    case 'float64':
      return rnd.pick([0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -1e308]);
    case 'string':
      // Names mostly from the given list, so handlers find real topics and groups.
      if (/name|topic|group|id$/i.test(fieldName) && rnd.next() < 0.8) return rnd.pick(names);
      return rnd.next() < 0.5 ? rnd.pick(names) : rnd.pick(HOSTILE_NAMES);
    case 'bytes':
      return rnd.bytes(rnd.pick([0, 1, 8, rnd.int(64)]));
    case 'records':
      return recordsValue(rnd);
    case 'uuid':
      return rnd.next() < 0.5 ? 'AAAAAAAAAAAAAAAAAAAAAA' : rnd.bytes(16).toString('base64url');
  }
}

function fieldValue(
  f: FieldDef,
  version: number,
  rnd: SeededRandom,
  names: readonly string[],
  depth: number,
): unknown {
  if (versionIn(f.nullableVersions, version) && rnd.next() < 0.1) return null;
  if (f.type === '{}') return structValue(f.fields ?? [], version, rnd, names, depth + 1);
  if (f.type.startsWith('[]')) {
    const n = depth > 3 ? 0 : rnd.next() < 0.05 ? 8 + rnd.int(40) : rnd.int(3);
    const elem = f.type.slice(2);
    return Array.from({ length: n }, () =>
      elem === ''
        ? structValue(f.fields ?? [], version, rnd, names, depth + 1)
        : primitiveValue(elem as PrimitiveType, rnd, names, f.name),
    );
  }
  return primitiveValue(f.type as PrimitiveType, rnd, names, f.name);
}

function structValue(
  fields: readonly FieldDef[],
  version: number,
  rnd: SeededRandom,
  names: readonly string[],
  depth: number,
): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    if (versionIn(f.versions, version)) o[f.name] = fieldValue(f, version, rnd, names, depth);
  }
  return o;
}

/** A well-typed request with hostile values (boundary numbers, odd names, record batches). */
export function hostileMessage(
  def: MessageDef,
  version: number,
  rnd: SeededRandom,
  names: readonly string[],
): Record<string, unknown> {
  return structValue(def.fields, version, rnd, names, 0);
}

// ---- byte-level helpers --------------------------------------------------

function splice(b: Buffer, start: number, end: number, insert: Buffer): Buffer {
  return Buffer.concat([b.subarray(0, start), insert, b.subarray(end)]);
}

function uvarint(v: number): Buffer {
  const w = new Writer(8);
  w.unsignedVarint(v);
  return w.toBuffer();
}

/** Lies a length prefix can tell, in the width it is written in. */
function lyingLength(span: Span, body: Buffer, rnd: SeededRandom): Buffer {
  const remaining = body.length - span.end;
  switch (span.encoding) {
    case 'int8': {
      const b = Buffer.alloc(1);
      b.writeInt8(rnd.pick([0, -2, 2, 127, -128]));
      return b;
    }
    case 'int16': {
      const b = Buffer.alloc(2);
      const v = rnd.pick([-2, -1, -32768, 32767, remaining + 1, remaining, 0]);
      b.writeInt16BE(Math.max(-32768, Math.min(32767, v)));
      return b;
    }
    case 'int32': {
      const b = Buffer.alloc(4);
      const v = rnd.pick([
        -2,
        -1,
        -2147483648,
        2147483647,
        0x10000000,
        remaining + 1,
        remaining,
        0,
      ]);
      b.writeInt32BE(Math.max(-2147483648, Math.min(2147483647, v)));
      return b;
    }
    default: {
      const x = rnd.int(6);
      if (x === 0) return Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]); // 2^32 - 1
      if (x === 1) return Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]); // too long
      if (x === 2) return Buffer.from([0x81, 0x80, 0x80, 0x80, 0x00]); // overlong 1
      if (x === 3) return uvarint(remaining + 2);
      if (x === 4) return uvarint(0x7fffffff);
      return uvarint(rnd.pick([0, 1, 2]));
    }
  }
}

function boundaryBytes(kind: Span['kind'], rnd: SeededRandom): Buffer | null {
  switch (kind) {
    case 'int8':
    case 'bool': {
      const b = Buffer.alloc(1);
      b.writeInt8(rnd.pick(INT_BOUNDS.int8));
      return b;
    }
    case 'int16':
    case 'uint16': {
      const b = Buffer.alloc(2);
      b.writeInt16BE(rnd.pick(INT_BOUNDS.int16));
      return b;
    }
    case 'int32':
    case 'uint32': {
      const b = Buffer.alloc(4);
      b.writeInt32BE(rnd.pick(INT_BOUNDS.int32));
      return b;
    }
    case 'int64': {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(rnd.pick(INT64_BOUNDS));
      return b;
    }
    case 'float64': {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(rnd.pick([Number.NaN, Number.NEGATIVE_INFINITY, 2 ** 1023, -0]));
      return b;
    }
    case 'uuid':
      return rnd.pick([Buffer.alloc(16), Buffer.alloc(16, 0xff)]);
    default:
      return null;
  }
}

/** A records field's new body: garbage, or a batch with one header field broken. */
function brokenRecords(original: Buffer, rnd: SeededRandom): Buffer {
  const x = rnd.int(6);
  if (x === 0 || original.length < 61) return rnd.bytes(rnd.int(100));
  const b = Buffer.from(original);
  const fixCrc = rnd.next() < 0.6;
  switch (x) {
    case 1:
      b.writeInt32BE(rnd.pick([-1, 0, 0x7fffffff, b.length, b.length - 11]), 8); // batch length
      break;
    case 2:
      b.writeInt8(rnd.pick([0, 1, 3, -1]), 16); // magic
      break;
    case 3:
      b.writeInt16BE(rnd.pick([5, 6, 7, 0x7f, -1, 0x20, 0x30]), 21); // attributes
      break;
    case 4:
      b.writeInt32BE(rnd.pick([-1, 0, 0x7fffffff, 1000]), 57); // record count
      break;
    default: {
      const at = 61 + rnd.int(Math.max(1, b.length - 61));
      if (at < b.length) b[at] = rnd.int(256);
      break;
    }
  }
  if (fixCrc && b.length >= 61) {
    const len = b.readInt32BE(8) + 12;
    if (len >= 61 && len <= b.length) b.writeUInt32BE(computeBatchCrc(b, 0, len), OFFSET_CRC);
  }
  return rnd.next() < 0.2 ? Buffer.concat([b, b.subarray(0, rnd.int(b.length))]) : b;
}

const BAD_UTF8: readonly Buffer[] = [
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc0, 0x80]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from('\u0000\u0001\u007f', 'utf8'),
];

// ---- the mutations -------------------------------------------------------

interface Draft {
  header: Buffer;
  body: Buffer;
  /** The frame size to claim; null: the true size. */
  claimed: number | null;
  /** Extra bytes after the frame (a lying size leaves them to be read as the next frame). */
  tail: Buffer | null;
}

function spansOf(spans: readonly Span[], test: (s: Span) => boolean): Span[] {
  return spans.filter(test);
}

function applyMutation(
  m: Mutation,
  d: Draft,
  spans: readonly Span[],
  api: ApiDef,
  rnd: SeededRandom,
): Mutation {
  const body = d.body;
  switch (m) {
    case 'none':
      return m;
    case 'int-boundary': {
      const ints = spansOf(spans, (s) => boundaryBytes(s.kind, rnd) !== null);
      if (ints.length === 0) return applyMutation('length-lie', d, spans, api, rnd);
      const s = rnd.pick(ints);
      d.body = splice(body, s.start, s.end, boundaryBytes(s.kind, rnd)!);
      return m;
    }
    case 'length-lie': {
      const lengths = spansOf(spans, (s) => s.kind === 'length');
      if (lengths.length === 0) return applyMutation('truncate', d, spans, api, rnd);
      const s = rnd.pick(lengths);
      d.body = splice(body, s.start, s.end, lyingLength(s, body, rnd));
      return m;
    }
    case 'truncate': {
      const s = spans.length > 0 ? rnd.pick(spans) : null;
      const cut =
        s === null || rnd.next() < 0.2
          ? rnd.int(body.length + 1)
          : s.start + rnd.int(Math.max(1, s.end - s.start));
      d.body = body.subarray(0, Math.min(cut, Math.max(0, body.length - 1)));
      return m;
    }
    case 'drop-field':
    case 'duplicate-field': {
      const fields = spansOf(spans, (s) => s.kind === 'field' || s.kind === 'tags');
      if (fields.length === 0) return applyMutation('trailing-bytes', d, spans, api, rnd);
      const s = rnd.pick(fields);
      const insert = m === 'drop-field' ? Buffer.alloc(0) : body.subarray(s.start, s.end);
      d.body = splice(body, s.start, m === 'drop-field' ? s.end : s.start, insert);
      return m;
    }
    case 'tagged-fields': {
      const tags = spansOf(spans, (s) => s.kind === 'tags');
      if (tags.length === 0) return applyMutation('wrong-version', d, spans, api, rnd);
      const s = rnd.pick(tags);
      const x = rnd.int(6);
      let section: Buffer;
      if (x === 0) {
        // An unknown tag with a small payload: must be skipped, not refused.
        const payload = rnd.bytes(rnd.int(8));
        section = Buffer.concat([
          uvarint(1),
          uvarint(1000 + rnd.int(1000)),
          uvarint(payload.length),
          payload,
        ]);
      } else if (x === 1) {
        // Tags out of order.
        section = Buffer.concat([uvarint(2), uvarint(5), uvarint(0), uvarint(3), uvarint(0)]);
      } else if (x === 2) {
        // A size reaching past the end of the frame.
        section = Buffer.concat([uvarint(1), uvarint(0), uvarint(0x0fffffff)]);
      } else if (x === 3) {
        // A huge count.
        section = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
      } else if (x === 4) {
        // A known tag number (0..3) with a payload of random bytes.
        const payload = rnd.bytes(rnd.int(12));
        section = Buffer.concat([
          uvarint(1),
          uvarint(rnd.int(4)),
          uvarint(payload.length),
          payload,
        ]);
      } else {
        // The same tag twice.
        section = Buffer.concat([uvarint(2), uvarint(0), uvarint(0), uvarint(0), uvarint(0)]);
      }
      d.body = splice(body, s.start, s.end, section);
      return m;
    }
    case 'wrong-version': {
      const range = parseVersions(api.request.validVersions);
      const v = d.header.readInt16BE(2);
      const flexibleFrom = parseVersions(api.request.flexibleVersions).min;
      const other = rnd.pick([
        v + 1,
        v - 1,
        range.max + 1,
        range.min - 1,
        -1,
        32767,
        flexibleFrom,
        flexibleFrom - 1,
      ]);
      const header = Buffer.from(d.header);
      header.writeInt16BE(Math.max(-32768, Math.min(32767, other)), 2);
      d.header = header;
      return m;
    }
    case 'records-garbage': {
      const records = spansOf(spans, (s) => s.kind === 'records' || s.kind === 'bytes');
      if (records.length === 0) return applyMutation('int-boundary', d, spans, api, rnd);
      const s = rnd.pick(records);
      // The length prefix is just before the body: rewrite both, keeping them consistent.
      const prefix = spans.find((p) => p.kind === 'length' && p.end === s.start);
      const broken = brokenRecords(body.subarray(s.start, s.end), rnd);
      if (prefix === undefined) {
        d.body = splice(body, s.start, s.end, broken);
        return m;
      }
      let len: Buffer;
      if (prefix.encoding === 'uvarint') len = uvarint(broken.length + 1);
      else {
        len = Buffer.alloc(4);
        len.writeInt32BE(broken.length);
      }
      d.body = splice(body, prefix.start, s.end, Buffer.concat([len, broken]));
      return m;
    }
    case 'string-garbage': {
      const strings = spansOf(spans, (s) => s.kind === 'string' && s.end > s.start);
      if (strings.length === 0) return applyMutation('length-lie', d, spans, api, rnd);
      const s = rnd.pick(strings);
      const bad = rnd.pick(BAD_UTF8);
      const keep = Math.max(0, s.end - s.start - bad.length);
      const replacement = Buffer.concat([body.subarray(s.start, s.start + keep), bad]).subarray(
        0,
        s.end - s.start,
      );
      d.body = splice(body, s.start, s.end, replacement);
      return m;
    }
    case 'trailing-bytes':
      d.body = Buffer.concat([body, rnd.bytes(1 + rnd.int(16))]);
      return m;
    case 'random-body':
      d.body = rnd.bytes(rnd.int(Math.max(8, body.length * 2)));
      return m;
    case 'header': {
      const header = Buffer.from(d.header);
      const x = rnd.int(4);
      if (x === 0) header.writeInt16BE(rnd.pick([-1, -32768, 32767, 200, 1000]), 0);
      else if (x === 1) {
        // The client id's length.
        header.writeInt16BE(rnd.pick([-2, -32768, 32767, header.length]), 8);
      } else if (x === 2) {
        // Cut inside the header.
        d.header = header.subarray(0, rnd.int(header.length));
        d.body = Buffer.alloc(0);
        return m;
      } else header.writeInt32BE(rnd.pick([-1, -2147483648, 2147483647, 0]), 4);
      d.header = header;
      return m;
    }
    case 'amplify':
      return 'none';
    case 'frame-size': {
      const real = d.header.length + body.length;
      const x = rnd.int(5);
      if (x === 0) d.claimed = rnd.pick([-1, -2147483648]);
      else if (x === 1) d.claimed = rnd.pick([0x7fffffff, 0x40000000, 200_000_000]);
      else if (x === 2) d.claimed = 0;
      else if (x === 3) {
        // Shorter than the frame: the rest is read as the next frame.
        d.claimed = Math.max(0, real - 1 - rnd.int(Math.min(real, 8)));
      } else {
        // Longer than the frame, with a few stray bytes after it.
        d.claimed = real + 1 + rnd.int(8);
        d.tail = rnd.bytes(rnd.int(4));
      }
      return m;
    }
  }
}

/** The smallest value of a field: zero, empty, null where allowed, a struct of smallest values. */
function smallest(f: FieldDef, version: number): unknown {
  if (versionIn(f.nullableVersions, version)) return null;
  if (f.type === '{}') return smallestStruct(f.fields ?? [], version);
  if (f.type.startsWith('[]')) return [];
  switch (f.type as PrimitiveType) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA';
    default:
      return 0;
  }
}

function smallestStruct(fields: readonly FieldDef[], version: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) if (versionIn(f.versions, version)) o[f.name] = smallest(f, version);
  return o;
}

/**
 * Fills one top-level array of `value` with many of the smallest elements: a valid request
 * whose decoded size is many times its frame's (the memory and event-loop amplification).
 * Returns false when the message has no array at this version.
 */
function amplify(
  def: MessageDef,
  version: number,
  value: Record<string, unknown>,
  rnd: SeededRandom,
): boolean {
  const arrays = def.fields.filter(
    (f) =>
      f.type.startsWith('[]') &&
      versionIn(f.versions, version) &&
      !versionIn(f.taggedVersions, version),
  );
  if (arrays.length === 0) return false;
  const f = rnd.pick(arrays);
  const n = rnd.pick([1000, 10_000, 100_000]);
  const elem = f.type.slice(2);
  const one =
    elem === ''
      ? smallestStruct(f.fields ?? [], version)
      : smallest({ name: f.name, type: elem as PrimitiveType, versions: f.versions }, version);
  value[f.name] = Array.from({ length: n }, () => one);
  return true;
}

function encodeWithCodec(def: MessageDef, version: number, value: Record<string, unknown>): Buffer {
  return codecFor(def).encode(value as never, version);
}

function pickMutation(rnd: SeededRandom): Mutation {
  let total = 0;
  for (const m of MUTATIONS) total += MUTATION_WEIGHTS[m];
  let x = rnd.next() * total;
  for (const m of MUTATIONS) {
    x -= MUTATION_WEIGHTS[m];
    if (x < 0) return m;
  }
  return 'none';
}

/**
 * Whether the broker's codec decodes `payload` (a frame without its size):
 * the header, an API and version the broker serves, and the body.
 */
export function decodes(
  payload: Buffer,
  served: Served,
  elementsMax = Number.POSITIVE_INFINITY,
): boolean {
  const r = new Reader(payload, 0, payload.length, elementsMax);
  try {
    const h = readRequestHeaderStart(r);
    const range = served.get(h.apiKey);
    const api = ALL_APIS.find((a) => a.apiKey === h.apiKey);
    if (range === undefined || api === undefined) return false;
    // ApiVersions at a version it does not serve is answered (KIP-511), not refused.
    if (h.apiVersion < range.min || h.apiVersion > range.max) return h.apiKey === 18;
    const codec = codecFor(api.request).at(h.apiVersion);
    if (codec.flexible) readRequestHeaderTags(r);
    codec.decode(r);
    return true;
  } catch {
    return false;
  }
}

export class RequestMutator {
  private readonly pairs: Array<[ApiDef, number]>;
  private readonly names: readonly string[];
  private readonly frameSizeBytesMax: number;
  private readonly arrayElementsMax: number;
  private correlationId = 0;

  constructor(
    private readonly rnd: SeededRandom,
    private readonly served: Served,
    options: MutatorOptions,
    apis: readonly ApiDef[] = ALL_APIS,
  ) {
    this.pairs = allApiVersions(apis);
    const reserved = new Set(options.reserved ?? []);
    this.names = [...options.names, ...HOSTILE_NAMES].filter((n) => !reserved.has(n));
    this.frameSizeBytesMax = options.frameSizeBytesMax;
    this.arrayElementsMax = options.arrayElementsMax;
  }

  /** How many (API, version) pairs the generator walks. */
  get apiVersionCount(): number {
    return this.pairs.length;
  }

  next(forced?: Mutation): FuzzRequest {
    const rnd = this.rnd;
    const [api, version] = rnd.pick(this.pairs);
    const codec = codecFor(api.request);
    const flexible = codec.isFlexible(version);
    const value = hostileMessage(api.request, version, rnd, this.names);
    const chosen = forced ?? pickMutation(rnd);
    // Amplified requests skip the spans: hundreds of thousands of elements, no mutation.
    const amplified = chosen === 'amplify' && amplify(api.request, version, value, rnd);
    const traced = amplified
      ? { bytes: encodeWithCodec(api.request, version, value), spans: [] }
      : encodeTraced(api.request, version, flexible, value);
    this.correlationId = (this.correlationId + 1) | 0;
    const correlationId = this.correlationId;
    const hw = new Writer(64);
    writeRequestHeader(
      hw,
      { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: 'protocol-fuzz' },
      flexible,
    );
    const draft: Draft = { header: hw.toBuffer(), body: traced.bytes, claimed: null, tail: null };
    const mutation = amplified
      ? 'amplify'
      : applyMutation(chosen === 'amplify' ? 'none' : chosen, draft, traced.spans, api, rnd);
    const payload = Buffer.concat([draft.header, draft.body]);
    const claimed = draft.claimed ?? payload.length;
    const size = Buffer.alloc(4);
    size.writeInt32BE(claimed);
    const frame = Buffer.concat([size, payload, draft.tail ?? Buffer.alloc(0)]);
    const desyncs = claimed !== payload.length || draft.tail !== null;
    const sizeRefused = claimed < 0 || claimed > this.frameSizeBytesMax;
    const framed = claimed <= payload.length ? payload.subarray(0, Math.max(0, claimed)) : null;
    // A frame cut short by its own size is read as that much; what follows it is garbage.
    const malformed =
      sizeRefused || framed === null || !decodes(framed, this.served, this.arrayElementsMax);
    let expect: FuzzRequest['expect'];
    if (sizeRefused) expect = 'close';
    else if (!desyncs) expect = malformed ? 'close' : 'answer';
    else expect = framed !== null && malformed ? 'close' : 'any';
    return {
      frame,
      api,
      version: draft.header.length >= 4 ? draft.header.readInt16BE(2) : version,
      baseVersion: version,
      mutation,
      correlationId,
      desyncs,
      malformed,
      expect,
    };
  }
}
