// Builds a request exactly as a handler receives it from the wire, from only
// the fields a test cares about: missing fields get their definition's
// default (0, '', [], null, false), then the value is encoded and decoded
// with the API's codec at the chosen version, so a version's absent fields
// read as the codec gives them. Test support for calling handlers directly.

import type { RequestOf } from '../../src/api/handler.ts';
import { codecFor } from '../../src/protocol/codec.ts';
import { Reader } from '../../src/protocol/reader.ts';
import type { ApiDef, FieldDef } from '../../src/protocol/schema.ts';
import { versionIn } from '../../src/protocol/schema.ts';
import { Writer } from '../../src/protocol/writer.ts';

type Partial = Record<string, unknown>;

function defaultOf(f: FieldDef, version: number): unknown {
  if (f.default !== undefined) return f.default;
  if (versionIn(f.nullableVersions, version) && f.type !== '{}') return null;
  if (f.type.startsWith('[]')) return [];
  switch (f.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
    case 'records':
      return Buffer.alloc(0);
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA';
    case 'int64':
      return 0;
    default:
      return 0;
  }
}

function fill(fields: readonly FieldDef[], version: number, value: Partial): Partial {
  const out: Partial = {};
  for (const f of fields) {
    const given = value[f.name];
    if (given === undefined) {
      out[f.name] = f.type === '{}' ? fill(f.fields ?? [], version, {}) : defaultOf(f, version);
      continue;
    }
    if (f.type === '[]' && Array.isArray(given)) {
      out[f.name] = given.map((e) => fill(f.fields ?? [], version, e as Partial));
    } else if (f.type === '{}' && given !== null) {
      out[f.name] = fill(f.fields ?? [], version, given as Partial);
    } else out[f.name] = given;
  }
  return out;
}

/** The request a handler would get for `partial` sent at `version`. */
export function requestAt<A extends ApiDef>(
  api: A,
  version: number,
  partial: Partial,
): RequestOf<A> {
  const codec = codecFor(api.request).at(version);
  const w = new Writer();
  codec.encode(w, fill(api.request.fields, version, partial) as never);
  return codec.decode(new Reader(w.toBuffer())) as unknown as RequestOf<A>;
}
