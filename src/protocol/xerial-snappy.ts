// Snappy framing as Kafka clients use it: the xerial (snappy-java) stream that
// the Java client writes — an 8-byte magic, two int32 versions, then chunks of
// int32 length + one raw snappy block — and the length preamble of a raw block.
// This module only reads and builds framing; compression.ts runs the codec.

import { DecodeError } from './reader.ts';

/** `\x82SNAPPY\0`, the first bytes of every xerial snappy stream. */
export const XERIAL_MAGIC: Buffer = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic plus the version and compatible-version int32s. */
export const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
const CHUNK_LENGTH_BYTES = 4;
/** A raw snappy block states its uncompressed length as a varint of at most 5 bytes. */
const PREAMBLE_MAX_BYTES = 5;

/** True when `data` starts with a complete xerial header (librdkafka and kafkajs test the same). */
export function isXerialSnappy(data: Buffer): boolean {
  return (
    data.length >= XERIAL_HEADER_BYTES &&
    data.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, 0, XERIAL_MAGIC.length) === 0
  );
}

/**
 * Splits a xerial stream into its raw snappy blocks (views, no copies). Every
 * chunk length is checked against the bytes that remain; a chunk must hold at
 * least one byte because no raw snappy block is empty.
 */
export function splitXerialSnappy(data: Buffer): Buffer[] {
  if (!isXerialSnappy(data)) throw new DecodeError('not a xerial snappy stream');
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (data.length - at < CHUNK_LENGTH_BYTES) {
      throw new DecodeError(`xerial chunk length truncated at ${at}`);
    }
    const length = data.readInt32BE(at);
    at += CHUNK_LENGTH_BYTES;
    if (length <= 0 || length > data.length - at) {
      throw new DecodeError(
        `xerial chunk length ${length} at ${at - CHUNK_LENGTH_BYTES} is invalid`,
      );
    }
    blocks.push(data.subarray(at, at + length));
    at += length;
  }
  return blocks;
}

/** Wraps raw snappy blocks in xerial framing, as snappy-java's stream writer lays them out. */
export function frameXerialSnappy(blocks: readonly Buffer[]): Buffer {
  let sizeBytes = XERIAL_HEADER_BYTES;
  for (const block of blocks) sizeBytes += CHUNK_LENGTH_BYTES + block.length;
  const out = Buffer.allocUnsafe(sizeBytes);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(XERIAL_VERSION, XERIAL_MAGIC.length);
  out.writeInt32BE(XERIAL_COMPATIBLE_VERSION, XERIAL_MAGIC.length + 4);
  let at = XERIAL_HEADER_BYTES;
  for (const block of blocks) {
    out.writeInt32BE(block.length, at);
    block.copy(out, at + CHUNK_LENGTH_BYTES);
    at += CHUNK_LENGTH_BYTES + block.length;
  }
  return out;
}

/**
 * The uncompressed length a raw snappy block declares in its preamble (an
 * unsigned little-endian varint below 2^32). Snappy decoders allocate exactly
 * this much and fail when the block produces a different amount, so checking
 * it bounds the memory a block can claim.
 */
export function rawSnappyLength(block: Buffer): number {
  let value = 0;
  let scale = 1;
  const end = Math.min(block.length, PREAMBLE_MAX_BYTES);
  for (let at = 0; at < end; at++) {
    const b = block[at]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (value > 0xffff_ffff) throw new DecodeError('snappy length preamble exceeds 32 bits');
      return value;
    }
    scale *= 128;
  }
  throw new DecodeError('snappy length preamble is truncated or too long');
}
