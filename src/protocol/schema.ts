// The shape of Gregor's declarative protocol definitions. One MessageDef
// describes a request or a response across every version we support, in the
// same terms as Kafka's own message specifications (version ranges such as
// "0+" or "3-7", nullable and tagged versions, flexible versions), so adding a
// version is editing data. The codec compiler (codec.ts) turns these into
// specialised encode/decode functions once, at start-up.

/** Primitive field types. Arrays are written "[]int32"; struct arrays "[]" with `fields`. */
export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export type FieldType = PrimitiveType | `[]${PrimitiveType}` | '[]' | '{}';

export interface FieldDef {
  /** camelCase property name on the decoded object. */
  readonly name: string;
  readonly type: FieldType;
  /** Versions in which the field is present, e.g. "0+", "4-7", "none". */
  readonly versions: string;
  /** Versions in which the field may be null (strings, bytes, records, arrays, structs). */
  readonly nullableVersions?: string;
  /** Versions in which the field is a tagged field (flexible versions only). */
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Value used when the field is absent in a version (and for tagged fields not sent). */
  readonly default?: number | string | boolean | null;
  /**
   * When true, encoding a non-default value in a version without the field is
   * allowed (the value is dropped). Kafka calls these "ignorable".
   */
  readonly ignorable?: boolean;
  /** Nested fields for '[]' (array of structs) and '{}' (struct). */
  readonly fields?: readonly FieldDef[];
  /** What the field means, which errors or versions matter. */
  readonly about?: string;
}

export interface MessageDef {
  readonly apiKey: number;
  readonly name: string;
  readonly type: 'request' | 'response' | 'header' | 'data';
  /** e.g. "0-12" */
  readonly validVersions: string;
  /** e.g. "9+" or "none" */
  readonly flexibleVersions: string;
  readonly fields: readonly FieldDef[];
}

export interface ApiDef {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageDef;
  readonly response: MessageDef;
}

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** The all-zero UUID as Kafka prints it (base64url): "no topic id". */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const NONE: VersionRange = { min: 1, max: 0 };

/** Parses "3+", "0-7", "5" or "none" into an inclusive range. */
export function parseVersions(spec: string): VersionRange {
  if (spec === 'none') return NONE;
  if (spec.endsWith('+')) return { min: Number(spec.slice(0, -1)), max: 0x7fff };
  const dash = spec.indexOf('-');
  if (dash < 0) {
    const v = Number(spec);
    return { min: v, max: v };
  }
  return { min: Number(spec.slice(0, dash)), max: Number(spec.slice(dash + 1)) };
}

export function inRange(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

export function versionIn(spec: string | undefined, version: number): boolean {
  if (spec === undefined) return false;
  return inRange(parseVersions(spec), version);
}
