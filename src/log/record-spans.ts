// Walks the records of an (uncompressed) v2 records section as byte ranges:
// where each record starts and ends, its offset and timestamp deltas, and
// where its key lies, without allocating keys, values or headers. The log
// cleaner reads keys through it and copies the records it keeps as they were.

/** One record of a section; the walker reuses a single object for every record. */
export interface RecordSpan {
  /** Byte range of the whole record (its length varint included) in the section. */
  start: number;
  end: number;
  timestampDelta: number;
  offsetDelta: number;
  /** Key bytes are section[keyStart, keyStart + keyLength); keyLength -1 is a null key. */
  keyStart: number;
  keyLength: number;
  /** Value bytes are section[valueStart, valueStart + valueLength). */
  valueStart: number;
  /** -1 for a null value (a tombstone). */
  valueLength: number;
}

/** The records section does not parse. */
export class RecordSpanError extends Error {
  override readonly name = 'RecordSpanError';
}

/**
 * Calls `visit` for each record in `section`, in order. Throws RecordSpanError on
 * a length that overruns the section. The span object is reused: copy what you keep.
 */
export function walkRecordSpans(section: Buffer, visit: (span: RecordSpan) => void): number {
  const span: RecordSpan = {
    start: 0,
    end: 0,
    timestampDelta: 0,
    offsetDelta: 0,
    keyStart: 0,
    keyLength: -1,
    valueStart: 0,
    valueLength: -1,
  };
  const cursor = { at: 0 };
  let count = 0;
  while (cursor.at < section.length) {
    span.start = cursor.at;
    const bodyBytes = readVarint(section, cursor);
    if (bodyBytes < 6 || bodyBytes > section.length - cursor.at) {
      throw new RecordSpanError(`record length ${bodyBytes} at ${span.start}`);
    }
    span.end = cursor.at + bodyBytes;
    cursor.at += 1; // attributes
    span.timestampDelta = readVarlong(section, cursor);
    span.offsetDelta = readVarint(section, cursor);
    span.keyLength = readVarint(section, cursor);
    span.keyStart = cursor.at;
    if (span.keyLength > span.end - cursor.at) throw new RecordSpanError('key overruns record');
    if (span.keyLength > 0) cursor.at += span.keyLength;
    span.valueLength = readVarint(section, cursor);
    span.valueStart = cursor.at;
    if (span.valueLength > span.end - cursor.at) throw new RecordSpanError('value overruns record');
    if (span.keyLength < 0) span.keyLength = -1;
    if (span.valueLength < 0) span.valueLength = -1;
    visit(span);
    cursor.at = span.end;
    count += 1;
  }
  return count;
}

/**
 * The bytes of the record at section[span.start, span.end) with its timestamp
 * delta replaced (used when a batch's base timestamp changes).
 */
export function recordWithTimestampDelta(
  section: Buffer,
  span: RecordSpan,
  timestampDelta: number,
): Buffer {
  const cursor = { at: span.start };
  readVarint(section, cursor); // length
  const attributesAt = cursor.at;
  cursor.at += 1;
  readVarlong(section, cursor);
  const restAt = cursor.at;
  const delta = encodeVarlong(timestampDelta);
  const bodyBytes = 1 + delta.length + (span.end - restAt);
  const length = encodeVarint(bodyBytes);
  return Buffer.concat([
    length,
    section.subarray(attributesAt, attributesAt + 1),
    delta,
    section.subarray(restAt, span.end),
  ]);
}

function readVarint(buf: Buffer, cursor: { at: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (cursor.at >= buf.length) throw new RecordSpanError('varint is truncated');
    const b = buf[cursor.at++]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new RecordSpanError('varint too long');
  }
  return (value >>> 1) ^ -(value & 1);
}

function readVarlong(buf: Buffer, cursor: { at: number }): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor.at >= buf.length) throw new RecordSpanError('varlong is truncated');
    const b = buf[cursor.at++]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (value > Number.MAX_SAFE_INTEGER) throw new RecordSpanError('varlong out of range');
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    scale *= 128;
  }
  throw new RecordSpanError('varlong too long');
}

function encodeUnsigned(u: number): Buffer {
  const bytes: number[] = [];
  let rest = u;
  while (rest >= 0x80) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function encodeVarint(v: number): Buffer {
  return encodeUnsigned(((v << 1) ^ (v >> 31)) >>> 0);
}

function encodeVarlong(v: number): Buffer {
  if (!Number.isSafeInteger(v) || Math.abs(v) >= 2 ** 51) {
    throw new RangeError(`timestamp delta ${v} is out of range`);
  }
  return encodeUnsigned(v >= 0 ? v * 2 : -v * 2 - 1);
}
