// Compiles declarative MessageDefs into specialised, synchronous encode and
// decode functions, one pair per (message, version), generated as JavaScript
// source once and cached. Generated decoders build objects with every field
// present in definition order (defaults for fields a version lacks), so V8 sees
// one shape per message; no per-field closures run on the hot path.
// The TypeScript types of decoded messages are derived from the same const
// definitions (MessageValue), so handlers are type-checked against the data.

import { Reader } from './reader.ts';
import type { FieldDef, FieldType, MessageDef, PrimitiveType } from './schema.ts';
import { inRange, parseVersions, type VersionRange, versionIn, ZERO_UUID } from './schema.ts';
import { Writer } from './writer.ts';

// ---------------------------------------------------------------------------
// Types derived from definitions.

interface PrimitiveValues {
  bool: boolean;
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  uint32: number;
  int64: number;
  float64: number;
  string: string;
  bytes: Buffer;
  records: Buffer | null;
  uuid: string;
}

type Nullable<F> = F extends { readonly nullableVersions: string } ? null : never;

type BaseValue<F> = F extends {
  readonly type: '[]';
  readonly fields: infer S extends readonly FieldDef[];
}
  ? StructValue<S>[]
  : F extends { readonly type: '{}'; readonly fields: infer S extends readonly FieldDef[] }
    ? // A struct absent from a version, or a tagged struct not sent, decodes as null.
      StructValue<S> | null
    : F extends { readonly type: `[]${infer P extends PrimitiveType}` }
      ? PrimitiveValues[P][]
      : F extends { readonly type: infer P extends PrimitiveType }
        ? PrimitiveValues[P]
        : never;

export type FieldValue<F> = BaseValue<F> | Nullable<F>;

export type StructValue<S extends readonly FieldDef[]> = {
  -readonly [F in S[number] as F['name']]: FieldValue<F>;
};

export type MessageValue<M extends { readonly fields: readonly FieldDef[] }> = StructValue<
  M['fields']
>;

// ---------------------------------------------------------------------------
// Compiled codecs.

export interface VersionCodec<T> {
  readonly version: number;
  readonly flexible: boolean;
  decode(r: Reader): T;
  encode(w: Writer, value: T): void;
}

export class Codec<T> {
  private readonly cache = new Map<number, VersionCodec<T>>();
  readonly min: number;
  readonly max: number;
  private readonly flexible: VersionRange;

  constructor(readonly def: MessageDef) {
    const valid = parseVersions(def.validVersions);
    this.min = valid.min;
    this.max = valid.max;
    this.flexible = parseVersions(def.flexibleVersions);
  }

  isFlexible(version: number): boolean {
    return inRange(this.flexible, version);
  }

  at(version: number): VersionCodec<T> {
    let c = this.cache.get(version);
    if (c === undefined) {
      if (version < this.min || version > this.max) {
        throw new RangeError(`${this.def.name} has no version ${version}`);
      }
      c = compile<T>(this.def, version, this.isFlexible(version));
      this.cache.set(version, c);
    }
    return c;
  }

  decode(buffer: Buffer, version: number): T {
    return this.at(version).decode(new Reader(buffer));
  }

  encode(value: T, version: number): Buffer {
    const w = new Writer();
    this.at(version).encode(w, value);
    return w.toBuffer();
  }
}

const codecs = new WeakMap<MessageDef, Codec<unknown>>();

/**
 * The one Codec of a message definition. Callers look it up per request, so
 * it is kept: compiling a version generates functions, and fresh functions on
 * every request never get optimised (a follower spent a tenth of its CPU here).
 */
export function codecFor<M extends MessageDef>(def: M): Codec<MessageValue<M>> {
  let c = codecs.get(def);
  if (c === undefined) {
    c = new Codec<unknown>(def);
    codecs.set(def, c);
  }
  return c as Codec<MessageValue<M>>;
}

// ---------------------------------------------------------------------------
// Source generation.

interface Gen {
  readonly version: number;
  readonly flexible: boolean;
  readonly helpers: string[];
  counter: number;
}

const PRIMITIVE_DEFAULTS: Record<PrimitiveType, string> = {
  bool: 'false',
  int8: '0',
  int16: '0',
  uint16: '0',
  int32: '0',
  uint32: '0',
  int64: '0',
  float64: '0',
  string: "''",
  bytes: 'EMPTY',
  records: 'null',
  uuid: JSON.stringify(ZERO_UUID),
};

function isPrimitive(t: FieldType): t is PrimitiveType {
  return !t.startsWith('[]') && t !== '{}';
}

function present(f: FieldDef, g: Gen): boolean {
  return versionIn(f.versions, g.version);
}

function nullable(f: FieldDef, g: Gen): boolean {
  return versionIn(f.nullableVersions, g.version);
}

function tagged(f: FieldDef, g: Gen): boolean {
  return g.flexible && versionIn(f.taggedVersions, g.version);
}

function defaultExpr(f: FieldDef): string {
  if (f.default !== undefined) {
    if (f.default === null) return 'null';
    if (typeof f.default === 'string') {
      return f.type === 'string' || f.type === 'uuid' ? JSON.stringify(f.default) : f.default;
    }
    return String(f.default);
  }
  if (f.type === '{}') return 'null';
  if (f.type.startsWith('[]')) return '[]';
  return PRIMITIVE_DEFAULTS[f.type as PrimitiveType];
}

function primitiveRead(t: PrimitiveType, isNullable: boolean, g: Gen): string {
  const compact = g.flexible;
  switch (t) {
    case 'bool':
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64':
    case 'uuid':
      return `r.${t}()`;
    case 'string':
      if (compact) return isNullable ? 'r.compactNullableString()' : 'r.compactString()';
      return isNullable ? 'r.nullableString()' : 'r.string()';
    case 'bytes':
    case 'records':
      if (compact)
        return isNullable || t === 'records' ? 'r.compactNullableBytes()' : 'r.compactBytes()';
      return isNullable || t === 'records' ? 'r.nullableBytes()' : 'r.bytes()';
  }
}

function primitiveWrite(t: PrimitiveType, isNullable: boolean, g: Gen, v: string): string {
  const compact = g.flexible;
  switch (t) {
    case 'bool':
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64':
    case 'uuid':
      return `w.${t}(${v});`;
    case 'string':
      if (compact)
        return isNullable ? `w.compactNullableString(${v});` : `w.compactString(${v} ?? '');`;
      return isNullable ? `w.nullableString(${v});` : `w.string(${v} ?? '');`;
    case 'bytes':
    case 'records':
      if (compact) return `w.compactNullableBytes(${v});`;
      return `w.nullableBytes(${v});`;
  }
}

/** Returns an expression that reads field f (not tagged-aware). */
function readExpr(f: FieldDef, g: Gen): string {
  const isNullable = nullable(f, g);
  if (isPrimitive(f.type)) return primitiveRead(f.type, isNullable, g);
  const lenCall = g.flexible ? 'r.compactArrayLength()' : 'r.arrayLength()';
  if (f.type === '{}') {
    const fn = structDecoder(f.fields ?? [], g);
    if (!isNullable) return `${fn}(r)`;
    return `(r.int8() < 0 ? null : ${fn}(r))`;
  }
  const elem = f.type.slice(2);
  const elemRead =
    elem === ''
      ? `${structDecoder(f.fields ?? [], g)}(r)`
      : primitiveRead(elem as PrimitiveType, false, g);
  const name = `readArray${g.counter++}`;
  const onNull = isNullable ? 'null' : '[]';
  g.helpers.push(
    `function ${name}(r) { const n = ${lenCall}; if (n < 0) return ${onNull}; const a = []; ` +
      `for (let i = 0; i < n; i++) a.push(${elemRead}); return a; }`,
  );
  return `${name}(r)`;
}

function writeStmt(f: FieldDef, g: Gen, v: string): string {
  const isNullable = nullable(f, g);
  if (isPrimitive(f.type)) return primitiveWrite(f.type, isNullable, g, v);
  if (f.type === '{}') {
    const fn = structEncoder(f.fields ?? [], g);
    if (!isNullable) return `${fn}(w, ${v});`;
    return `if (${v} === null) w.int8(-1); else { w.int8(1); ${fn}(w, ${v}); }`;
  }
  const elem = f.type.slice(2);
  const lenNull = g.flexible ? 'w.unsignedVarint(0)' : 'w.int32(-1)';
  const lenWrite = g.flexible ? 'w.unsignedVarint(a.length + 1)' : 'w.int32(a.length)';
  const elemWrite =
    elem === ''
      ? `${structEncoder(f.fields ?? [], g)}(w, a[i]);`
      : primitiveWrite(elem as PrimitiveType, false, g, 'a[i]');
  const name = `writeArray${g.counter++}`;
  const nullCase = isNullable
    ? `${lenNull}; return;`
    : `${lenWrite.replace('a.length', '0')}; return;`;
  g.helpers.push(
    `function ${name}(w, a) { if (a === null || a === undefined) { ${nullCase} } ${lenWrite}; ` +
      `for (let i = 0; i < a.length; i++) { ${elemWrite} } }`,
  );
  return `${name}(w, ${v});`;
}

function structDecoder(fields: readonly FieldDef[], g: Gen): string {
  const name = `decodeStruct${g.counter++}`;
  const lines: string[] = [];
  const props: string[] = [];
  const tagCases: string[] = [];
  for (const f of fields) {
    const key = JSON.stringify(f.name);
    if (!present(f, g)) {
      props.push(`${key}: ${defaultExpr(f)}`);
    } else if (tagged(f, g)) {
      props.push(`${key}: ${defaultExpr(f)}`);
      tagCases.push(`case ${f.tag}: o[${key}] = ${readExpr(f, g)}; return true;`);
    } else {
      lines.push(`const v${lines.length} = ${readExpr(f, g)};`);
      props.push(`${key}: v${lines.length - 1}`);
    }
  }
  let tagSection = '';
  if (g.flexible) {
    tagSection =
      tagCases.length === 0
        ? 'r.taggedFields(SKIP_TAG);'
        : `r.taggedFields((tag) => { switch (tag) { ${tagCases.join(' ')} default: return false; } });`;
  }
  g.helpers.push(
    `function ${name}(r) { ${lines.join(' ')} const o = { ${props.join(', ')} }; ${tagSection} return o; }`,
  );
  return name;
}

function structEncoder(fields: readonly FieldDef[], g: Gen): string {
  const name = `encodeStruct${g.counter++}`;
  const body: string[] = [];
  const taggedFields: FieldDef[] = [];
  for (const f of fields) {
    if (!present(f, g)) continue;
    if (tagged(f, g)) {
      taggedFields.push(f);
      continue;
    }
    body.push(writeStmt(f, g, `o[${JSON.stringify(f.name)}]`));
  }
  if (g.flexible) body.push(taggedWriter(taggedFields, g));
  g.helpers.push(`function ${name}(w, o) { ${body.join(' ')} }`);
  return name;
}

// Tagged fields are written only when they differ from their default, each
// encoded into a side writer first because its size precedes it.
function taggedWriter(fields: FieldDef[], g: Gen): string {
  if (fields.length === 0) return 'w.unsignedVarint(0);';
  const sorted = [...fields].sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
  const parts: string[] = ['const tags = [];'];
  for (const f of sorted) {
    const v = `o[${JSON.stringify(f.name)}]`;
    const isDefault = f.type.startsWith('[]')
      ? `(${v} === null || ${v} === undefined || ${v}.length === 0)`
      : `(${v} === ${defaultExpr(f)} || ${v} === undefined)`;
    parts.push(
      `if (!${isDefault}) { const tw = new Writer(64); (function(w){ ${writeStmt(f, g, v)} })(tw); ` +
        `tags.push([${f.tag}, tw.toBuffer()]); }`,
    );
  }
  parts.push(
    'w.unsignedVarint(tags.length); for (const [t, b] of tags) ' +
      '{ w.unsignedVarint(t); w.unsignedVarint(b.length); w.raw(b); }',
  );
  return parts.join(' ');
}

const SKIP_TAG = (): boolean => false;
const EMPTY = Buffer.alloc(0);

function compile<T>(def: MessageDef, version: number, flexible: boolean): VersionCodec<T> {
  const g: Gen = { version, flexible, helpers: [], counter: 0 };
  const decodeName = structDecoder(def.fields, g);
  const encodeName = structEncoder(def.fields, g);
  const source = `${g.helpers.join('\n')}\nreturn { decode: ${decodeName}, encode: ${encodeName} };`;
  const factory = new Function('Writer', 'SKIP_TAG', 'EMPTY', source) as (
    writer: typeof Writer,
    skip: typeof SKIP_TAG,
    empty: Buffer,
  ) => { decode(r: Reader): T; encode(w: Writer, v: T): void };
  const fns = factory(Writer, SKIP_TAG, EMPTY);
  return { version, flexible, decode: fns.decode, encode: fns.encode };
}
