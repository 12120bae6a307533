// Message sets v0 and v1 (magic 0 and 1), the record format before record
// batches: what Fetch v0-1 (magic 0) and v2-3 (magic 1) carry. Gregor stores
// record batches v2 only, so a fetch at those versions gets its batches
// down-converted here, as Kafka does for old consumers (older Sarama, and so
// lag monitors such as Burrow 1.x). Each record becomes one uncompressed
// message: offset, size, CRC-32 (IEEE) of the rest, magic, attributes, the
// timestamp (magic 1 only), key and value. Headers have no place in the old
// format and are dropped; control batches are skipped, as Kafka skips them.
// Unlike Kafka, a compressed batch is not recompressed into a wrapper message:
// an uncompressed message set is valid for every client and needs no codec.
// Also parses message sets, for tests and tools that read old responses.

import { crc32 } from 'node:zlib';
import { ATTR_CONTROL, TIMESTAMP_TYPE_LOG_APPEND } from './record-batch.ts';
import { decodeRecordBatch } from './records.ts';

export type LegacyMagic = 0 | 1;

/** offset + message size. */
const LOG_OVERHEAD_BYTES = 12;
/** crc + magic + attributes, then key and value lengths. */
const V0_FIXED_BYTES = 4 + 1 + 1 + 4 + 4;
const V1_FIXED_BYTES = V0_FIXED_BYTES + 8;
const MESSAGE_OFFSET_CRC = LOG_OVERHEAD_BYTES;
const MESSAGE_OFFSET_MAGIC = MESSAGE_OFFSET_CRC + 4;

export interface DownConvertOptions {
  /** Records below this offset are left out (a fetch may start inside a batch). */
  readonly fromOffset: number;
  /**
   * Size to stay within, in whole messages; the messages of the first batch
   * that yields any are always included, so a consumer can always progress.
   */
  readonly maxBytes: number;
  /** Largest decompressed records section accepted per batch. */
  readonly decompressedBytesMax: number;
}

/** The records of consecutive v2 batches as a message set of `magic`. */
export async function downConvert(
  batches: Buffer,
  magic: LegacyMagic,
  opts: DownConvertOptions,
): Promise<Buffer> {
  const messages: Buffer[] = [];
  let total = 0;
  let at = 0;
  while (batches.length - at >= LOG_OVERHEAD_BYTES) {
    const sizeBytes = batches.readInt32BE(at + 8) + LOG_OVERHEAD_BYTES;
    if (batches.length - at < sizeBytes) break;
    const { header, records } = await decodeRecordBatch(batches, {
      at,
      maxBytes: opts.decompressedBytesMax,
    });
    at += sizeBytes;
    if ((header.attributes & ATTR_CONTROL) !== 0) continue;
    const logAppendTime = (header.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
    const first = messages.length === 0;
    for (const r of records) {
      if (r.offset < opts.fromOffset) continue;
      const message = encodeMessage(magic, r.offset, r.timestampMs, logAppendTime, r.key, r.value);
      if (!first && total + message.length > opts.maxBytes) return Buffer.concat(messages, total);
      messages.push(message);
      total += message.length;
    }
  }
  return Buffer.concat(messages, total);
}

export function encodeMessage(
  magic: LegacyMagic,
  offset: number,
  timestampMs: number,
  logAppendTime: boolean,
  key: Buffer | null,
  value: Buffer | null,
): Buffer {
  const keyBytes = key?.length ?? 0;
  const valueBytes = value?.length ?? 0;
  const bodyBytes = (magic === 0 ? V0_FIXED_BYTES : V1_FIXED_BYTES) + keyBytes + valueBytes;
  const buf = Buffer.allocUnsafe(LOG_OVERHEAD_BYTES + bodyBytes);
  buf.writeBigInt64BE(BigInt(offset), 0);
  buf.writeInt32BE(bodyBytes, 8);
  let at = MESSAGE_OFFSET_MAGIC;
  buf.writeInt8(magic, at++);
  // Uncompressed; magic 1 marks LogAppendTime in bit 3, as record batches do.
  buf.writeInt8(magic === 1 && logAppendTime ? TIMESTAMP_TYPE_LOG_APPEND : 0, at++);
  if (magic === 1) {
    buf.writeBigInt64BE(BigInt(timestampMs), at);
    at += 8;
  }
  at = writeBytes(buf, at, key);
  writeBytes(buf, at, value);
  buf.writeUInt32BE(crc32(buf.subarray(MESSAGE_OFFSET_MAGIC)), MESSAGE_OFFSET_CRC);
  return buf;
}

function writeBytes(buf: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) {
    buf.writeInt32BE(-1, at);
    return at + 4;
  }
  buf.writeInt32BE(bytes.length, at);
  bytes.copy(buf, at + 4);
  return at + 4 + bytes.length;
}

export interface LegacyMessage {
  readonly offset: number;
  readonly magic: number;
  readonly attributes: number;
  /** -1 for magic 0. */
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly crcValid: boolean;
}

/**
 * The uncompressed messages of a message set, as an old consumer reads them; a
 * partial message at the end is left out, as consumers do. Throws RangeError on
 * a message whose fields overrun it.
 */
export function parseMessageSet(buf: Buffer): LegacyMessage[] {
  const out: LegacyMessage[] = [];
  let at = 0;
  while (buf.length - at >= LOG_OVERHEAD_BYTES) {
    const size = buf.readInt32BE(at + 8);
    const end = at + LOG_OVERHEAD_BYTES + size;
    if (size < V0_FIXED_BYTES || end > buf.length) break;
    const message = buf.subarray(at, end);
    const magic = message.readInt8(MESSAGE_OFFSET_MAGIC);
    let p = MESSAGE_OFFSET_MAGIC + 2;
    let timestampMs = -1;
    if (magic >= 1) {
      timestampMs = Number(message.readBigInt64BE(p));
      p += 8;
    }
    const key = readBytes(message, p);
    const value = readBytes(message, key.next);
    if (value.next !== message.length) throw new RangeError(`message at ${at}: size mismatch`);
    out.push({
      offset: Number(message.readBigInt64BE(0)),
      magic,
      attributes: message.readInt8(MESSAGE_OFFSET_MAGIC + 1),
      timestampMs,
      key: key.bytes,
      value: value.bytes,
      crcValid:
        crc32(message.subarray(MESSAGE_OFFSET_MAGIC)) === message.readUInt32BE(MESSAGE_OFFSET_CRC),
    });
    at = end;
  }
  return out;
}

function readBytes(buf: Buffer, at: number): { bytes: Buffer | null; next: number } {
  const length = buf.readInt32BE(at);
  if (length < 0) return { bytes: null, next: at + 4 };
  if (at + 4 + length > buf.length) throw new RangeError(`bytes of ${length} overrun the message`);
  return { bytes: buf.subarray(at + 4, at + 4 + length), next: at + 4 + length };
}
