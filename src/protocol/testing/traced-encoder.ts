// Encodes a message from its declarative definition exactly as the compiled
// codec does, and records where every field's bytes lie: each integer, each
// length prefix (int16, int32 or unsigned varint), each string or bytes body,
// each records field and each tagged-field section. The protocol fuzzer uses
// these spans to mutate one field at a time (a boundary integer, a lying
// length, a truncation inside a field) instead of flipping blind bytes.
// Test support only; its byte-for-byte agreement with codec.ts is tested.

import type { FieldDef, MessageDef, PrimitiveType } from '../schema.ts';
import { versionIn } from '../schema.ts';
import { Writer } from '../writer.ts';

/** What a span holds, so a mutation knows which lies fit it. */
export type SpanKind =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'uuid'
  /** A length or count prefix; `encoding` says how it is written. */
  | 'length'
  /** The body of a string. */
  | 'string'
  /** The body of a bytes field. */
  | 'bytes'
  /** The body of a records field (record batches as sent). */
  | 'records'
  /** A whole tagged-field section: count, then tag, size, value per field. */
  | 'tags'
  /** A whole field, whatever its type: for deleting, duplicating or truncating inside it. */
  | 'field';

export type LengthEncoding = 'int16' | 'int32' | 'uvarint' | 'int8';

export interface Span {
  readonly kind: SpanKind;
  /** Byte offsets in the encoded message (end exclusive). */
  readonly start: number;
  readonly end: number;
  /** Field path, such as `topics[0].partitions[1].index`. */
  readonly path: string;
  /** For 'length' spans. */
  readonly encoding?: LengthEncoding;
  /** For 'length' spans: what the length counts. */
  readonly counts?: 'string' | 'bytes' | 'records' | 'array' | 'struct-present';
  /** For 'length' spans: whether -1 / 0 (null) is a legal value here. */
  readonly nullable?: boolean;
}

export interface TracedMessage {
  readonly bytes: Buffer;
  readonly spans: readonly Span[];
}

class Tracer {
  readonly w = new Writer();
  readonly spans: Span[] = [];

  constructor(
    readonly version: number,
    readonly flexible: boolean,
  ) {}

  get at(): number {
    return this.w.length;
  }

  mark(kind: SpanKind, start: number, path: string, extra: Partial<Span> = {}): void {
    this.spans.push({ kind, start, end: this.at, path, ...extra });
  }
}

function present(f: FieldDef, t: Tracer): boolean {
  return versionIn(f.versions, t.version);
}

function nullable(f: FieldDef, t: Tracer): boolean {
  return versionIn(f.nullableVersions, t.version);
}

function tagged(f: FieldDef, t: Tracer): boolean {
  return t.flexible && versionIn(f.taggedVersions, t.version);
}

function isDefault(f: FieldDef, v: unknown): boolean {
  if (v === undefined) return true;
  if (f.type.startsWith('[]')) return v === null || (v as unknown[]).length === 0;
  if (f.default !== undefined) {
    if (f.default === null) return v === null;
    if (typeof f.default === 'string' && f.type !== 'string' && f.type !== 'uuid') {
      return v === Number(f.default);
    }
    return v === f.default;
  }
  if (f.type === '{}') return v === null;
  switch (f.type as PrimitiveType) {
    case 'bool':
      return v === false;
    case 'string':
      return v === '';
    case 'records':
      return v === null;
    case 'bytes':
      return false;
    case 'uuid':
      return v === 'AAAAAAAAAAAAAAAAAAAAAA';
    default:
      return v === 0;
  }
}

function lengthPrefix(
  t: Tracer,
  path: string,
  counts: NonNullable<Span['counts']>,
  isNullable: boolean,
  value: number | null,
): void {
  const start = t.at;
  let encoding: LengthEncoding;
  if (t.flexible) {
    encoding = 'uvarint';
    t.w.unsignedVarint(value === null ? 0 : value + 1);
  } else if (counts === 'string') {
    encoding = 'int16';
    t.w.int16(value ?? -1);
  } else {
    encoding = 'int32';
    t.w.int32(value ?? -1);
  }
  t.mark('length', start, path, { encoding, counts, nullable: isNullable });
}

function writePrimitive(
  t: Tracer,
  type: PrimitiveType,
  isNullable: boolean,
  v: unknown,
  path: string,
): void {
  const start = t.at;
  switch (type) {
    case 'bool':
      t.w.bool(v as boolean);
      break;
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      t.w[type](v as number);
      break;
    case 'int64':
      t.w.int64(v as number);
      break;
    case 'uuid':
      t.w.uuid(v as string);
      break;
    case 'string': {
      const s = isNullable ? (v as string | null) : ((v as string | null) ?? '');
      const body = s === null ? null : Buffer.from(s, 'utf8');
      lengthPrefix(t, path, 'string', isNullable, body === null ? null : body.length);
      if (body !== null) {
        const at = t.at;
        t.w.raw(body);
        t.mark('string', at, path);
      }
      t.mark('field', start, path);
      return;
    }
    case 'bytes':
    case 'records': {
      // The codec writes bytes and records as nullable whatever the definition says.
      const b = (v as Buffer | null | undefined) ?? null;
      lengthPrefix(t, path, type, isNullable || type === 'records', b === null ? null : b.length);
      if (b !== null) {
        const at = t.at;
        t.w.raw(b);
        t.mark(type, at, path);
      }
      t.mark('field', start, path);
      return;
    }
  }
  t.mark(type, start, path);
}

function writeField(t: Tracer, f: FieldDef, v: unknown, path: string): void {
  const start = t.at;
  const isNullable = nullable(f, t);
  if (f.type === '{}') {
    if (isNullable) {
      const markerAt = t.at;
      t.w.int8(v === null ? -1 : 1);
      t.mark('length', markerAt, path, {
        encoding: 'int8',
        counts: 'struct-present',
        nullable: true,
      });
      if (v !== null) writeStruct(t, f.fields ?? [], v as Record<string, unknown>, path);
    } else {
      writeStruct(t, f.fields ?? [], (v ?? {}) as Record<string, unknown>, path);
    }
  } else if (f.type.startsWith('[]')) {
    const a = (v as unknown[] | null | undefined) ?? null;
    if (a === null && !isNullable) lengthPrefix(t, path, 'array', false, 0);
    else lengthPrefix(t, path, 'array', isNullable, a === null ? null : a.length);
    const elem = f.type.slice(2);
    for (let i = 0; i < (a?.length ?? 0); i++) {
      const item = a![i];
      const itemPath = `${path}[${i}]`;
      if (elem === '') writeStruct(t, f.fields ?? [], item as Record<string, unknown>, itemPath);
      else writePrimitive(t, elem as PrimitiveType, false, item, itemPath);
    }
  } else {
    writePrimitive(t, f.type as PrimitiveType, isNullable, v, path);
    return;
  }
  t.mark('field', start, path);
}

function writeStruct(
  t: Tracer,
  fields: readonly FieldDef[],
  o: Record<string, unknown>,
  path: string,
): void {
  const taggedFields: FieldDef[] = [];
  for (const f of fields) {
    if (!present(f, t)) continue;
    if (tagged(f, t)) {
      taggedFields.push(f);
      continue;
    }
    writeField(t, f, o[f.name], path === '' ? f.name : `${path}.${f.name}`);
  }
  if (!t.flexible) return;
  const start = t.at;
  const sent = [...taggedFields]
    .sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0))
    .filter((f) => !isDefault(f, o[f.name]));
  t.w.unsignedVarint(sent.length);
  for (const f of sent) {
    // A tagged field's size precedes it: encode it alone first (its spans are not kept).
    const inner = new Tracer(t.version, t.flexible);
    writeField(inner, f, o[f.name], f.name);
    const body = inner.w.toBuffer();
    t.w.unsignedVarint(f.tag ?? 0);
    t.w.unsignedVarint(body.length);
    t.w.raw(body);
  }
  t.mark('tags', start, path === '' ? '<tags>' : `${path}.<tags>`);
}

/** Encodes `value` as `def` at `version`, with the spans of every field. */
export function encodeTraced(
  def: MessageDef,
  version: number,
  flexible: boolean,
  value: Record<string, unknown>,
): TracedMessage {
  const t = new Tracer(version, flexible);
  writeStruct(t, def.fields, value, '');
  return { bytes: t.w.toBuffer(), spans: t.spans };
}
