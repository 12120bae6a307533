// Records inside a v2 record batch: building complete, CRC-correct batches
// (clients, tests, control records), decoding batches into records, and a
// cheap walk that validates a records section and reports each record's offset
// and timestamp without allocating keys or values. The produce and fetch hot
// paths pass batches through untouched (record-batch.ts) and do not use this.

import {
  CompressionError,
  type CompressionProblem,
  compress,
  compressSync,
  decompress,
} from './compression.ts';
import { DecodeError, Reader } from './reader.ts';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  type BatchHeader,
  type BatchProblem,
  COMPRESSION_MASK,
  CompressionType,
  checkBatch,
  computeBatchCrc,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE,
  OFFSET_BASE_SEQUENCE,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_LEADER_EPOCH,
  OFFSET_LENGTH,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PRODUCER_EPOCH,
  OFFSET_PRODUCER_ID,
  OFFSET_RECORD_COUNT,
  readBatchHeader,
  TIMESTAMP_TYPE_LOG_APPEND,
} from './record-batch.ts';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A record as stored in a batch: offset and timestamp are relative to the batch's base. */
export interface BatchRecord {
  readonly offsetDelta: number;
  readonly timestampDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** A decoded record with its absolute offset and timestamp. Key and value are views. */
export interface DecodedRecord {
  readonly offset: number;
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
}

export interface DecodedRecordBatch {
  readonly header: BatchHeader;
  readonly records: DecodedRecord[];
}

export interface RecordInput {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** CreateTime of this record; defaults to the batch's timestampMs. */
  readonly timestampMs?: number;
}

export interface BuildRecordBatchOptions {
  readonly records: readonly RecordInput[];
  readonly compression?: CompressionType;
  readonly baseOffset?: number;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly transactional?: boolean;
  readonly isControl?: boolean;
  readonly partitionLeaderEpoch?: number;
  /** Default timestamp for records without their own; defaults to Date.now(). */
  readonly timestampMs?: number;
}

export interface DecodeBatchOptions {
  /** Largest decompressed records section accepted per batch. */
  readonly maxBytes: number;
  /** Where the batch starts in the buffer; 0 by default. */
  readonly at?: number;
}

/**
 * Why a batch's records are invalid. Batch-level and compression problems
 * are included so one value describes any refusal. Kafka answers the
 * checksum, framing and compression ones with CORRUPT_MESSAGE and the
 * record-level ones ('bad-record', 'record-count-mismatch', 'bad-offset-delta')
 * with INVALID_RECORD.
 */
export type RecordProblem =
  | BatchProblem
  | CompressionProblem
  | 'bad-header'
  | 'bad-record'
  | 'record-count-mismatch'
  | 'bad-offset-delta';

/** A batch or record that a client or peer sent and we cannot accept. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
  constructor(
    readonly problem: RecordProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Called per record with its absolute offset and timestamp. */
export type RecordVisitor = (offset: number, timestampMs: number) => void;

const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;
const NO_SEQUENCE = -1;
const NO_PARTITION_LEADER_EPOCH = -1;
const MAGIC_V2 = 2;
/** Deltas up to 2^51 keep zigzag arithmetic exact in doubles. */
const VARLONG_SAFE_MAGNITUDE = 2 ** 51;

/** The compression codec named by batch attributes, or null for the unassigned ids 5..7. */
export function compressionOf(attributes: number): CompressionType | null {
  const id = attributes & COMPRESSION_MASK;
  return id <= CompressionType.Zstd ? (id as CompressionType) : null;
}

// ---- building -----------------------------------------------------------

/** A complete v2 batch, CRC set, records compressed as asked. */
export async function buildRecordBatch(opts: BuildRecordBatchOptions): Promise<Buffer> {
  const plan = planBatch(opts);
  const section = await compress(plan.compression, encodeRecords(plan.records));
  return assembleBatch(plan, section);
}

/** As buildRecordBatch, synchronously; zstd is not available (see hasSyncCodec). */
export function buildRecordBatchSync(opts: BuildRecordBatchOptions): Buffer {
  const plan = planBatch(opts);
  return assembleBatch(plan, compressSync(plan.compression, encodeRecords(plan.records)));
}

interface BatchPlan {
  readonly compression: CompressionType;
  readonly attributes: number;
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly records: BatchRecord[];
}

function planBatch(opts: BuildRecordBatchOptions): BatchPlan {
  const inputs = opts.records;
  if (inputs.length === 0) throw new RangeError('a record batch needs at least one record');
  const compression = opts.compression ?? CompressionType.None;
  if (CompressionType[compression] === undefined) {
    throw new RangeError(`unknown compression type ${compression}`);
  }
  const defaultTimestamp = opts.timestampMs ?? Date.now();
  // Like Kafka's producer: the first record's timestamp is the base; deltas may be negative.
  const baseTimestamp = checkedInt64(inputs[0]!.timestampMs ?? defaultTimestamp, 'timestampMs');
  let maxTimestamp = baseTimestamp;
  const records = inputs.map((input, i): BatchRecord => {
    const timestampMs = checkedInt64(input.timestampMs ?? defaultTimestamp, 'timestampMs');
    if (timestampMs > maxTimestamp) maxTimestamp = timestampMs;
    return {
      offsetDelta: i,
      timestampDelta: timestampMs - baseTimestamp,
      key: input.key,
      value: input.value,
      headers: input.headers ?? [],
    };
  });
  const attributes =
    compression |
    (opts.transactional ? ATTR_TRANSACTIONAL : 0) |
    (opts.isControl ? ATTR_CONTROL : 0);
  return {
    compression,
    attributes,
    baseOffset: checkedInt64(opts.baseOffset ?? 0, 'baseOffset'),
    partitionLeaderEpoch: checkedInt32(opts.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH),
    baseTimestamp,
    maxTimestamp,
    producerId: checkedInt64(opts.producerId ?? NO_PRODUCER_ID, 'producerId'),
    producerEpoch: checkedInt16(opts.producerEpoch ?? NO_PRODUCER_EPOCH),
    baseSequence: checkedInt32(opts.baseSequence ?? NO_SEQUENCE),
    records,
  };
}

function assembleBatch(plan: BatchPlan, section: Buffer): Buffer {
  const sizeBytes = BATCH_HEADER_BYTES + section.length;
  const buf = Buffer.allocUnsafe(sizeBytes);
  buf.writeBigInt64BE(BigInt(plan.baseOffset), OFFSET_BASE);
  buf.writeInt32BE(sizeBytes - BATCH_LOG_OVERHEAD_BYTES, OFFSET_LENGTH);
  buf.writeInt32BE(plan.partitionLeaderEpoch, OFFSET_LEADER_EPOCH);
  buf.writeInt8(MAGIC_V2, OFFSET_MAGIC);
  buf.writeInt16BE(plan.attributes, OFFSET_ATTRIBUTES);
  buf.writeInt32BE(plan.records.length - 1, OFFSET_LAST_OFFSET_DELTA);
  buf.writeBigInt64BE(BigInt(plan.baseTimestamp), OFFSET_BASE_TIMESTAMP);
  buf.writeBigInt64BE(BigInt(plan.maxTimestamp), OFFSET_MAX_TIMESTAMP);
  buf.writeBigInt64BE(BigInt(plan.producerId), OFFSET_PRODUCER_ID);
  buf.writeInt16BE(plan.producerEpoch, OFFSET_PRODUCER_EPOCH);
  buf.writeInt32BE(plan.baseSequence, OFFSET_BASE_SEQUENCE);
  buf.writeInt32BE(plan.records.length, OFFSET_RECORD_COUNT);
  section.copy(buf, BATCH_HEADER_BYTES);
  buf.writeUInt32BE(computeBatchCrc(buf, 0, sizeBytes), OFFSET_CRC);
  return buf;
}

/**
 * Encodes records back to back, uncompressed: the records section of a batch.
 * Sizes are computed first so the output is one exact allocation.
 */
export function encodeRecords(records: readonly BatchRecord[]): Buffer {
  const bodySizes = records.map(recordBodySize);
  let total = 0;
  for (const bodyBytes of bodySizes) total += varintSize(bodyBytes) + bodyBytes;
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  records.forEach((record, i) => {
    at = writeRecord(buf, at, record, bodySizes[i]!);
  });
  if (at !== total) throw new Error(`record encoding wrote ${at} bytes, planned ${total}`);
  return buf;
}

function recordBodySize(record: BatchRecord): number {
  let size =
    1 + // attributes
    varlongSize(record.timestampDelta) +
    varintSize(checkedInt32(record.offsetDelta)) +
    nullableBytesSize(record.key) +
    nullableBytesSize(record.value) +
    varintSize(record.headers.length);
  for (const header of record.headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    size += varintSize(keyBytes) + keyBytes + nullableBytesSize(header.value);
  }
  return size;
}

function writeRecord(buf: Buffer, start: number, record: BatchRecord, bodyBytes: number): number {
  let at = writeVarint(buf, start, bodyBytes);
  buf[at++] = 0; // record attributes: unused in v2
  at = writeVarlong(buf, at, record.timestampDelta);
  at = writeVarint(buf, at, record.offsetDelta);
  at = writeNullableBytes(buf, at, record.key);
  at = writeNullableBytes(buf, at, record.value);
  at = writeVarint(buf, at, record.headers.length);
  for (const header of record.headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    at = writeVarint(buf, at, keyBytes);
    at += buf.write(header.key, at, keyBytes, 'utf8');
    at = writeNullableBytes(buf, at, header.value);
  }
  return at;
}

// ---- decoding -----------------------------------------------------------

/**
 * Decodes the batch at `opts.at` (default 0): checks framing and CRC, then
 * decompresses (bounded by maxBytes) and decodes every record. Throws
 * CorruptRecordError for anything wrong with the bytes.
 */
export async function decodeRecordBatch(
  batch: Buffer,
  opts: DecodeBatchOptions,
): Promise<DecodedRecordBatch> {
  const at = opts.at ?? 0;
  const problem = checkBatch(batch, at);
  if (problem !== null) throw new CorruptRecordError(problem, `record batch at ${at}: ${problem}`);
  const header = checkedHeader(batch, at);
  const section = await recordsSection(batch, at, header, opts.maxBytes);
  return { header, records: decodeRecords(section, header) };
}

/**
 * Decodes consecutive batches, as in a fetch response or a log segment. A
 * partial batch at the end (a fetch may cut one off) ends the walk quietly; a
 * length that cannot be a batch is an error.
 */
export async function decodeRecordBatches(
  buf: Buffer,
  opts: Omit<DecodeBatchOptions, 'at'>,
): Promise<DecodedRecordBatch[]> {
  const batches: DecodedRecordBatch[] = [];
  let at = 0;
  while (buf.length - at >= BATCH_LOG_OVERHEAD_BYTES) {
    const sizeBytes = buf.readInt32BE(at + OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    if (sizeBytes < BATCH_HEADER_BYTES) {
      throw new CorruptRecordError('bad-length', `record batch at ${at} has length ${sizeBytes}`);
    }
    if (buf.length - at < sizeBytes) break;
    batches.push(await decodeRecordBatch(buf, { maxBytes: opts.maxBytes, at }));
    at += sizeBytes;
  }
  return batches;
}

/**
 * The records section of the batch at `opts.at`, decompressed when the batch
 * is compressed (a view into `batch` when not). Assumes checkBatch passed.
 */
export async function readRecordsSection(batch: Buffer, opts: DecodeBatchOptions): Promise<Buffer> {
  const at = opts.at ?? 0;
  return recordsSection(batch, at, checkedHeader(batch, at), opts.maxBytes);
}

function checkedHeader(batch: Buffer, at: number): BatchHeader {
  if (batch.length - at < BATCH_HEADER_BYTES) {
    throw new CorruptRecordError('truncated', `record batch at ${at} is truncated`);
  }
  const header = readBatchHeader(batch, at);
  if (header.sizeBytes < BATCH_HEADER_BYTES) {
    throw new CorruptRecordError(
      'bad-length',
      `record batch at ${at} has length ${header.sizeBytes}`,
    );
  }
  if (batch.length - at < header.sizeBytes) {
    throw new CorruptRecordError('truncated', `record batch at ${at} is truncated`);
  }
  const wide = [header.baseOffset, header.baseTimestamp, header.maxTimestamp, header.producerId];
  if (!wide.every(Number.isSafeInteger)) {
    throw new CorruptRecordError('bad-header', `record batch at ${at} has an int64 out of range`);
  }
  return header;
}

async function recordsSection(
  batch: Buffer,
  at: number,
  header: BatchHeader,
  maxBytes: number,
): Promise<Buffer> {
  const stored = batch.subarray(at + BATCH_HEADER_BYTES, at + header.sizeBytes);
  const compression = compressionOf(header.attributes);
  if (compression === null) {
    throw new CorruptRecordError('unknown-compression', `compression id ${header.attributes & 7}`);
  }
  if (compression === CompressionType.None) return stored;
  try {
    return await decompress(compression, stored, { maxBytes });
  } catch (err) {
    if (err instanceof CompressionError) throw new CorruptRecordError(err.problem, err.message);
    throw err;
  }
}

/** Decodes every record of a records section; throws CorruptRecordError. */
export function decodeRecords(section: Buffer, header: BatchHeader): DecodedRecord[] {
  const r = new Reader(section);
  const prefix = new RecordPrefix();
  const records: DecodedRecord[] = [];
  const logAppendTime = (header.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  try {
    while (r.remaining() > 0) {
      if (records.length === header.recordCount) throw countMismatch(header, records.length + 1);
      readRecordPrefix(r, prefix);
      const problem = checkOffsetDelta(prefix, header);
      if (problem !== null)
        throw new CorruptRecordError(problem, `offset delta ${prefix.offsetDelta}`);
      records.push({
        offset: header.baseOffset + prefix.offsetDelta,
        timestampMs: logAppendTime
          ? header.maxTimestamp
          : header.baseTimestamp + prefix.timestampDelta,
        key: readNullableBytes(r, prefix.end),
        value: readNullableBytes(r, prefix.end),
        headers: readHeaders(r, prefix.end),
      });
      if (r.offset !== prefix.end) throw new DecodeError('record length does not match its fields');
      prefix.previousOffsetDelta = prefix.offsetDelta;
    }
  } catch (err) {
    if (err instanceof DecodeError) throw new CorruptRecordError('bad-record', err.message);
    throw err;
  }
  if (records.length !== header.recordCount) throw countMismatch(header, records.length);
  return records;
}

function countMismatch(header: BatchHeader, found: number): CorruptRecordError {
  return new CorruptRecordError(
    'record-count-mismatch',
    `batch declares ${header.recordCount} records, found ${found}`,
  );
}

// ---- validation ---------------------------------------------------------

/**
 * Checks that the records of the batch at `opts.at` parse and agree with the
 * header (count, offset deltas), decompressing within maxBytes when needed.
 * Assumes checkBatch passed. `onRecord` sees each record's offset and timestamp.
 */
export async function validateBatchRecords(
  batch: Buffer,
  opts: DecodeBatchOptions & { readonly onRecord?: RecordVisitor },
): Promise<RecordProblem | null> {
  const at = opts.at ?? 0;
  try {
    const header = checkedHeader(batch, at);
    const section = await recordsSection(batch, at, header, opts.maxBytes);
    return validateRecords(section, header, opts.onRecord);
  } catch (err) {
    if (err instanceof CorruptRecordError) return err.problem;
    throw err;
  }
}

/**
 * validateBatchRecords for an uncompressed batch, synchronously: the cheap
 * check for produce validation and the walk the time index needs. Calling it
 * on a compressed batch is a bug in the caller (check compressionOf first).
 */
export function validateUncompressedBatchRecords(
  batch: Buffer,
  opts: { readonly at?: number; readonly onRecord?: RecordVisitor } = {},
): RecordProblem | null {
  const at = opts.at ?? 0;
  let header: BatchHeader;
  try {
    header = checkedHeader(batch, at);
  } catch (err) {
    if (err instanceof CorruptRecordError) return err.problem;
    throw err;
  }
  const compression = compressionOf(header.attributes);
  if (compression === null) return 'unknown-compression';
  if (compression !== CompressionType.None) {
    throw new RangeError('validateUncompressedBatchRecords called on a compressed batch');
  }
  const section = batch.subarray(at + BATCH_HEADER_BYTES, at + header.sizeBytes);
  return validateRecords(section, header, opts.onRecord);
}

/**
 * Walks a records section without allocating keys, values or headers: every
 * length is checked against the record's own length, the count must match the
 * header, and offset deltas must rise and stay within lastOffsetDelta.
 */
export function validateRecords(
  section: Buffer,
  header: BatchHeader,
  onRecord?: RecordVisitor,
): RecordProblem | null {
  const r = new Reader(section);
  const prefix = new RecordPrefix();
  const logAppendTime = (header.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  let count = 0;
  try {
    while (r.remaining() > 0) {
      if (count === header.recordCount) return 'record-count-mismatch';
      readRecordPrefix(r, prefix);
      const problem = checkOffsetDelta(prefix, header);
      if (problem !== null) return problem;
      skipRecordRest(r, prefix.end);
      onRecord?.(
        header.baseOffset + prefix.offsetDelta,
        logAppendTime ? header.maxTimestamp : header.baseTimestamp + prefix.timestampDelta,
      );
      prefix.previousOffsetDelta = prefix.offsetDelta;
      count++;
    }
  } catch (err) {
    if (err instanceof DecodeError) return 'bad-record';
    throw err;
  }
  return count === header.recordCount ? null : 'record-count-mismatch';
}

// ---- record fields ------------------------------------------------------

/** The fixed leading fields of the record being read, reused across records. */
class RecordPrefix {
  end = 0;
  timestampDelta = 0;
  offsetDelta = 0;
  previousOffsetDelta = -1;
}

/** Smallest record body: attributes, timestampDelta, offsetDelta, key, value, header count. */
const RECORD_BODY_MIN_BYTES = 6;

function readRecordPrefix(r: Reader, into: RecordPrefix): void {
  const bodyBytes = r.varint();
  if (bodyBytes < RECORD_BODY_MIN_BYTES || bodyBytes > r.remaining()) {
    throw new DecodeError(`record length ${bodyBytes} at ${r.offset} is invalid`);
  }
  into.end = r.offset + bodyBytes;
  r.int8(); // attributes: unused in v2
  into.timestampDelta = readVarlong(r);
  into.offsetDelta = r.varint();
}

/** Offset deltas rise strictly (compaction may leave gaps) and end by lastOffsetDelta. */
function checkOffsetDelta(prefix: RecordPrefix, header: BatchHeader): RecordProblem | null {
  const delta = prefix.offsetDelta;
  if (delta <= prefix.previousOffsetDelta || delta > header.lastOffsetDelta) {
    return 'bad-offset-delta';
  }
  return null;
}

/**
 * A varint byte length, -1 (or, as Kafka reads it, any negative) meaning null,
 * checked against the end of the current record.
 */
function readLength(r: Reader, end: number): number {
  const length = r.varint();
  if (length > end - r.offset) throw new DecodeError(`length ${length} overruns the record`);
  return length;
}

function readNullableBytes(r: Reader, end: number): Buffer | null {
  const length = readLength(r, end);
  if (length < 0) return null;
  const bytes = r.buffer.subarray(r.offset, r.offset + length);
  r.offset += length;
  return bytes;
}

function readHeaders(r: Reader, end: number): RecordHeader[] {
  const count = readHeaderCount(r, end);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const keyBytes = readLength(r, end);
    if (keyBytes < 0) throw new DecodeError('null header key');
    const key = r.buffer.toString('utf8', r.offset, r.offset + keyBytes);
    r.offset += keyBytes;
    headers.push({ key, value: readNullableBytes(r, end) });
  }
  return headers;
}

function readHeaderCount(r: Reader, end: number): number {
  const count = r.varint();
  // Each header takes at least two bytes (key length and value length).
  if (count < 0 || count * 2 > end - r.offset) throw new DecodeError(`header count ${count}`);
  return count;
}

function skipRecordRest(r: Reader, end: number): void {
  skipNullableBytes(r, end); // key
  skipNullableBytes(r, end); // value
  const count = readHeaderCount(r, end);
  for (let i = 0; i < count; i++) {
    const keyBytes = readLength(r, end);
    if (keyBytes < 0) throw new DecodeError('null header key');
    r.offset += keyBytes;
    skipNullableBytes(r, end);
  }
  if (r.offset !== end) throw new DecodeError('record length does not match its fields');
}

function skipNullableBytes(r: Reader, end: number): void {
  // Read the length first: `r.offset += readLength(...)` would add to the offset before the read.
  const length = readLength(r, end);
  if (length > 0) r.offset += length;
}

/**
 * A zigzag varlong as a JS number, without BigInt: the bytes are summed in a
 * double, which stays exact below 2^53; anything larger is refused.
 */
function readVarlong(r: Reader): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (r.offset >= r.end) throw new DecodeError('varlong is truncated');
    const b = r.buffer[r.offset++]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (value > Number.MAX_SAFE_INTEGER) throw new DecodeError('varlong out of safe range');
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    scale *= 128;
  }
  throw new DecodeError('varlong too long');
}

// ---- encoding primitives ------------------------------------------------

function zigzag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

function zigzag64(v: number): number {
  if (!Number.isSafeInteger(v) || Math.abs(v) >= VARLONG_SAFE_MAGNITUDE) {
    throw new RangeError(`timestamp delta ${v} is out of range`);
  }
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unsignedVarintSize(u: number): number {
  let size = 1;
  for (let rest = u; rest >= 0x80; rest = Math.floor(rest / 128)) size++;
  return size;
}

function varintSize(v: number): number {
  return unsignedVarintSize(zigzag32(v));
}

function varlongSize(v: number): number {
  return unsignedVarintSize(zigzag64(v));
}

function nullableBytesSize(b: Buffer | null): number {
  if (b === null) return varintSize(-1);
  return varintSize(checkedInt32(b.length)) + b.length;
}

function writeUnsignedVarint(buf: Buffer, start: number, u: number): number {
  let at = start;
  let rest = u;
  while (rest >= 0x80) {
    buf[at++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  buf[at++] = rest;
  return at;
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  return writeUnsignedVarint(buf, at, zigzag32(v));
}

function writeVarlong(buf: Buffer, at: number, v: number): number {
  return writeUnsignedVarint(buf, at, zigzag64(v));
}

function writeNullableBytes(buf: Buffer, at: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, at, -1);
  const next = writeVarint(buf, at, b.length);
  return next + b.copy(buf, next);
}

function checkedInt64(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${what} ${v} is not a safe integer`);
  return v;
}

function checkedInt32(v: number): number {
  if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) {
    throw new RangeError(`${v} does not fit in an int32`);
  }
  return v;
}

function checkedInt16(v: number): number {
  if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) {
    throw new RangeError(`${v} does not fit in an int16`);
  }
  return v;
}
