// What a broker checks of the record set a producer sends for one partition
// before it stores it, as Kafka's log validator does for a client's append:
// one v2 batch, within max.message.bytes, CRC intact, base offset 0, counts
// and offset deltas that agree, no control batch, every record well formed,
// keys on compacted topics and timestamps within the topic's bounds. Then it
// makes the batch what the log may store: maxTimestamp set to the records'
// real maximum, and the batch recompressed when the topic's compression.type
// names another codec. Compressed batches are decompressed as a stream into
// the record walker, bounded by the decompressed-size limit, so a lying
// header or a bomb is refused without its output ever being held. It does
// not assign offsets or check producer sequences (the partition does).

import type { ByteBudget } from '../util/byte-budget.ts';
import { CompressionError, compress, decompress, decompressInto } from './compression.ts';
import { ErrorCode } from './error-codes.ts';
import {
  ATTR_CONTROL,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  type BatchHeader,
  COMPRESSION_MASK,
  CompressionType,
  computeBatchCrc,
  OFFSET_ATTRIBUTES,
  OFFSET_CRC,
  OFFSET_LENGTH,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  readBatchHeader,
  TIMESTAMP_TYPE_LOG_APPEND,
} from './record-batch.ts';
import {
  type RecordChecks,
  RecordStreamWalker,
  type WalkResult,
  walkRecords,
} from './record-walk.ts';

/** A topic's compression.type: `producer` keeps the codec the producer chose. */
export type TopicCompression = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Everything about the topic and the request that validation depends on. */
export interface ProduceValidationPolicy {
  /** Broker time for the timestamp bounds. */
  readonly nowMs: number;
  /** Produce request version: zstd needs v7 or later. */
  readonly apiVersion: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  /** Effective message.timestamp.before.max.ms (see effectiveTimestampBounds). */
  readonly timestampBeforeMaxMs: number;
  /** Effective message.timestamp.after.max.ms. */
  readonly timestampAfterMaxMs: number;
  /** cleanup.policy includes compact. */
  readonly keysRequired: boolean;
  readonly compression: TopicCompression;
  readonly gzipLevel: number;
  readonly zstdLevel: number;
  /** max.message.bytes, checked on the batch as sent and as rebuilt. */
  readonly messageBytesMax: number;
  /** Most decompressed bytes one batch's records section may hold. */
  readonly decompressedBytesMax: number;
  /** Shared by all validations: bounds the whole-frame decodes running at once. */
  readonly decompressionBudget?: ByteBudget;
}

/** What a topic's configuration contributes; the request adds the time and its version. */
export type TopicValidationPolicy = Omit<ProduceValidationPolicy, 'nowMs' | 'apiVersion'>;

/** A refused record, as Produce v8+ reports it (KIP-467). */
export interface BatchIndexError {
  readonly batchIndex: number;
  readonly batchIndexErrorMessage: string | null;
}

export type ProduceValidation =
  | {
      readonly ok: true;
      /** The batch to store: the request's bytes (maybe patched in place) or a rebuilt batch. */
      readonly records: Buffer;
      /** True when the batch was rebuilt in the topic's codec. */
      readonly recompressed: boolean;
    }
  | {
      readonly ok: false;
      readonly errorCode: number;
      readonly errorMessage: string;
      readonly recordErrors: readonly BatchIndexError[];
    };

const MAGIC_V2 = 2;
const NO_TIMESTAMP = -1;
/** Produce v7 is the first that may carry zstd batches (KIP-110). */
const ZSTD_PRODUCE_VERSION_MIN = 7;
/** Kafka's Long.MAX_VALUE, as config parsing clamps it. */
const UNBOUNDED_MS = Number.MAX_SAFE_INTEGER;

const CODEC_OF: Readonly<Record<TopicCompression, CompressionType | null>> = {
  producer: null,
  uncompressed: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

/**
 * The bounds Kafka 3.6+ applies: before/after.max.ms unless left at
 * Long.MAX_VALUE, in which case the deprecated difference.max.ms still applies.
 */
export function effectiveTimestampBounds(config: {
  readonly beforeMaxMs: number;
  readonly afterMaxMs: number;
  readonly differenceMaxMs: number;
}): { beforeMaxMs: number; afterMaxMs: number } {
  return {
    beforeMaxMs: config.beforeMaxMs >= UNBOUNDED_MS ? config.differenceMaxMs : config.beforeMaxMs,
    afterMaxMs: config.afterMaxMs >= UNBOUNDED_MS ? config.differenceMaxMs : config.afterMaxMs,
  };
}

function refuse(
  errorCode: number,
  errorMessage: string,
  recordErrors: readonly BatchIndexError[] = [],
): ProduceValidation {
  return { ok: false, errorCode, errorMessage, recordErrors };
}

/**
 * Validates the record set of one partition of a Produce request and returns
 * the batch to append, or Kafka's error for it. Never throws for bad input.
 */
export async function validateProduceRecords(
  records: Buffer,
  policy: ProduceValidationPolicy,
): Promise<ProduceValidation> {
  const framing = checkFraming(records, policy);
  if (framing !== null) return framing;
  const header = readBatchHeader(records, 0);
  const headerProblem = checkHeader(header, policy);
  if (headerProblem !== null) return headerProblem;
  const codec = (header.attributes & COMPRESSION_MASK) as CompressionType;
  const target = CODEC_OF[policy.compression] ?? codec;
  const walked = await walkSection(records, header, policy);
  if ('errorCode' in walked) return walked;
  const refused = refusal(walked) ?? checkHeaderMaxTimestamp(records, header, policy);
  if (refused !== null) return refused;
  if (target !== codec) {
    const plan = { plainBytes: walked.plainBytes, maxTimestampMs: walked.maxTimestampMs, target };
    return rebuild(records, header, plan, policy);
  }
  if (policy.timestampType === 'CreateTime')
    setCreateTimeMax(records, header, walked.maxTimestampMs);
  return { ok: true, records, recompressed: false };
}

/** One whole v2 batch, nothing after it, within max.message.bytes, CRC intact. */
function checkFraming(records: Buffer, policy: ProduceValidationPolicy): ProduceValidation | null {
  if (records.length < BATCH_HEADER_BYTES) {
    return refuse(ErrorCode.CORRUPT_MESSAGE, `record set of ${records.length} bytes is truncated`);
  }
  const length = records.readInt32BE(OFFSET_LENGTH);
  if (length < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES) {
    return refuse(ErrorCode.CORRUPT_MESSAGE, `record batch length ${length} is too small`);
  }
  const sizeBytes = length + BATCH_LOG_OVERHEAD_BYTES;
  if (sizeBytes > records.length) {
    return refuse(
      ErrorCode.CORRUPT_MESSAGE,
      `record batch of ${sizeBytes} bytes is truncated at ${records.length}`,
    );
  }
  const magic = records.readInt8(OFFSET_MAGIC);
  if (magic !== MAGIC_V2) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `Produce requests with version ${policy.apiVersion} are only allowed to contain ` +
        `record batches with magic version 2 (got ${magic})`,
    );
  }
  if (sizeBytes < records.length) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `Produce requests with version ${policy.apiVersion} are only allowed to contain ` +
        'exactly one record batch per partition',
    );
  }
  if (sizeBytes > policy.messageBytesMax) {
    return refuse(
      ErrorCode.MESSAGE_TOO_LARGE,
      `batch of ${sizeBytes} bytes exceeds max.message.bytes ${policy.messageBytesMax}`,
    );
  }
  const crc = records.readUInt32BE(OFFSET_CRC);
  if (computeBatchCrc(records, 0, sizeBytes) !== crc) {
    return refuse(ErrorCode.CORRUPT_MESSAGE, `Record is corrupt (stored crc = ${crc})`);
  }
  return null;
}

/** Kafka's validateBatch for a client's batch. */
function checkHeader(
  header: BatchHeader,
  policy: ProduceValidationPolicy,
): ProduceValidation | null {
  if (header.baseOffset !== 0) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `The baseOffset of the record batch should be 0, but it is ${header.baseOffset}`,
    );
  }
  const countFromOffsets = header.lastOffsetDelta + 1;
  if (countFromOffsets <= 0) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `Batch has an invalid offset range: lastOffsetDelta ${header.lastOffsetDelta}`,
    );
  }
  if (header.recordCount <= 0) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `Invalid reported count for record batch: ${header.recordCount}`,
    );
  }
  if (countFromOffsets !== header.recordCount) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `Inconsistent batch offset range [0, ${header.lastOffsetDelta}] and count of records ` +
        `${header.recordCount}`,
    );
  }
  // Gregor holds int64 header fields in numbers: one beyond 2^53 would be stored rounded.
  if (!Number.isSafeInteger(header.baseTimestamp)) {
    return refuse(
      ErrorCode.INVALID_TIMESTAMP,
      'Batch baseTimestamp is outside the range this broker stores (|t| < 2^53)',
    );
  }
  if (!Number.isSafeInteger(header.producerId)) {
    return refuse(ErrorCode.INVALID_RECORD, 'Batch producerId is beyond 2^53');
  }
  if ((header.attributes & ATTR_CONTROL) !== 0) {
    return refuse(ErrorCode.INVALID_RECORD, 'Clients are not allowed to write control records');
  }
  const codec = header.attributes & COMPRESSION_MASK;
  if (codec > CompressionType.Zstd) {
    return refuse(ErrorCode.CORRUPT_MESSAGE, `unknown compression type id ${codec}`);
  }
  if (codec === CompressionType.Zstd && policy.apiVersion < ZSTD_PRODUCE_VERSION_MIN) {
    return refuse(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `Produce requests with version ${policy.apiVersion} are not allowed to use ZStandard compression`,
    );
  }
  return null;
}

/**
 * A CreateTime batch's maxTimestamp claims a record timestamp. Kafka would
 * silently replace it with the records' maximum; one outside the topic's
 * bounds (or beyond what a JS number holds) is refused here instead, so a
 * lying header is an error the producer sees, never a stored value. Checked
 * after the records, which report a real out-of-range timestamp per record.
 */
function checkHeaderMaxTimestamp(
  records: Buffer,
  header: BatchHeader,
  policy: ProduceValidationPolicy,
): ProduceValidation | null {
  if (policy.timestampType !== 'CreateTime') return null;
  if ((header.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0) return null;
  const claimed = readInt64Exact(records, OFFSET_MAX_TIMESTAMP);
  if (claimed === NO_TIMESTAMP) return null;
  const bounds = timestampBounds(policy);
  const safe = Number.isSafeInteger(claimed);
  if (safe && claimed >= bounds.minMs && claimed <= bounds.maxMs) return null;
  return refuse(
    ErrorCode.INVALID_TIMESTAMP,
    `Batch maxTimestamp ${safe ? claimed : String(records.readBigInt64BE(OFFSET_MAX_TIMESTAMP))} ` +
      `is out of range. The timestamp should be within [${bounds.minMs}, ${bounds.maxMs}]`,
  );
}

/** An int64 as a number; values beyond 2^53 come out unsafe (never silently rounded into range). */
function readInt64Exact(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

function timestampBounds(policy: ProduceValidationPolicy): { minMs: number; maxMs: number } {
  return {
    minMs: policy.nowMs - policy.timestampBeforeMaxMs,
    maxMs: policy.nowMs + policy.timestampAfterMaxMs,
  };
}

function recordChecks(header: BatchHeader, policy: ProduceValidationPolicy): RecordChecks {
  const logAppendTime = (header.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  return {
    recordCount: header.recordCount,
    baseTimestampMs: header.baseTimestamp,
    logAppendTimeMs: logAppendTime ? header.maxTimestamp : null,
    keysRequired: policy.keysRequired,
    timestampBounds: policy.timestampType === 'CreateTime' ? timestampBounds(policy) : null,
  };
}

/**
 * Walks the records, streaming them out of the codec when the batch is
 * compressed; also says how many bytes the records section holds decompressed.
 */
async function walkSection(
  records: Buffer,
  header: BatchHeader,
  policy: ProduceValidationPolicy,
): Promise<(WalkResult & { plainBytes: number }) | Extract<ProduceValidation, { ok: false }>> {
  const checks = recordChecks(header, policy);
  const codec = (header.attributes & COMPRESSION_MASK) as CompressionType;
  if (codec === CompressionType.None) {
    const walked = walkRecords(records, BATCH_HEADER_BYTES, header.sizeBytes, checks);
    return { ...walked, plainBytes: header.sizeBytes - BATCH_HEADER_BYTES };
  }
  const walker = new RecordStreamWalker(checks);
  const section = records.subarray(BATCH_HEADER_BYTES, header.sizeBytes);
  try {
    const opts = {
      maxBytes: policy.decompressedBytesMax,
      ...(policy.decompressionBudget === undefined ? {} : { budget: policy.decompressionBudget }),
    };
    await decompressInto(codec, section, opts, (chunk) => walker.push(chunk));
  } catch (err) {
    return compressionRefusal(err, codec);
  }
  return { ...walker.finish(), plainBytes: walker.bytes };
}

/** A codec's refusal: too much output is MESSAGE_TOO_LARGE, anything else CORRUPT_MESSAGE. */
function compressionRefusal(
  err: unknown,
  codec: CompressionType,
): Extract<ProduceValidation, { ok: false }> {
  if (!(err instanceof CompressionError)) throw err;
  const errorCode =
    err.problem === 'too-large' ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.CORRUPT_MESSAGE;
  const errorMessage = `${CompressionType[codec]} records section: ${err.message}`;
  return { ok: false, errorCode, errorMessage, recordErrors: [] };
}

/** The batch's verdict from its walk: INVALID_RECORD for structure, per-record errors otherwise. */
function refusal(walked: WalkResult): ProduceValidation | null {
  if (walked.problem !== null) {
    return refuse(
      ErrorCode.INVALID_RECORD,
      `Invalid record batch (${walked.problem}): ${walked.detail}`,
    );
  }
  if (walked.recordErrorCount === 0) return null;
  const recordErrors = walked.recordErrors.map((e) => ({
    batchIndex: e.batchIndex,
    batchIndexErrorMessage: e.message,
  }));
  if (walked.recordErrors.some((e) => e.timestamp)) {
    return refuse(
      ErrorCode.INVALID_TIMESTAMP,
      'One or more records have been rejected due to invalid timestamp',
      recordErrors,
    );
  }
  const shown = recordErrors
    .slice(0, 3)
    .map((e) => `${e.batchIndex}: ${e.batchIndexErrorMessage}`)
    .join('; ');
  return refuse(
    ErrorCode.INVALID_RECORD,
    `One or more records have been rejected due to ${walked.recordErrorCount} record errors in ` +
      `total, and only showing the first three errors at most: [${shown}]`,
    recordErrors,
  );
}

/**
 * Kafka's setMaxTimestamp(CREATE_TIME, max) on a CreateTime topic: the stored
 * maxTimestamp is the records' real maximum, and a LogAppendTime flag the
 * producer set is cleared; the CRC is recomputed only when a byte changed.
 */
function setCreateTimeMax(records: Buffer, header: BatchHeader, maxTimestampMs: number): void {
  const attributes = header.attributes & ~TIMESTAMP_TYPE_LOG_APPEND;
  const unchanged =
    attributes === header.attributes &&
    readInt64Exact(records, OFFSET_MAX_TIMESTAMP) === maxTimestampMs;
  if (unchanged) return;
  records.writeInt16BE(attributes, OFFSET_ATTRIBUTES);
  records.writeBigInt64BE(BigInt(maxTimestampMs), OFFSET_MAX_TIMESTAMP);
  records.writeUInt32BE(computeBatchCrc(records, 0, header.sizeBytes), OFFSET_CRC);
}

/**
 * The batch in the topic's codec: the records section decompressed again
 * (its size known exactly from the walk, and reserved in the shared budget
 * while it is held) and compressed in the target codec, the header kept but
 * for codec, length, maxTimestamp and CRC. Kafka does the same when
 * compression.type differs from the producer's codec; the rebuilt batch must
 * still fit max.message.bytes.
 */
async function rebuild(
  records: Buffer,
  header: BatchHeader,
  plan: { plainBytes: number; maxTimestampMs: number; target: CompressionType },
  policy: ProduceValidationPolicy,
): Promise<ProduceValidation> {
  const { target } = plan;
  const source = (header.attributes & COMPRESSION_MASK) as CompressionType;
  const stored = records.subarray(BATCH_HEADER_BYTES, header.sizeBytes);
  const budget = policy.decompressionBudget;
  const release =
    source === CompressionType.None || budget === undefined
      ? null
      : await budget.reserve(Math.min(plan.plainBytes, budget.bytesMax));
  let section: Buffer;
  try {
    const plain =
      source === CompressionType.None
        ? stored
        : await decompress(source, stored, { maxBytes: plan.plainBytes });
    section = await compress(target, plain, {
      gzipLevel: policy.gzipLevel,
      zstdLevel: policy.zstdLevel,
    });
  } catch (err) {
    return compressionRefusal(err, source);
  } finally {
    release?.();
  }
  const sizeBytes = BATCH_HEADER_BYTES + section.length;
  if (sizeBytes > policy.messageBytesMax) {
    return refuse(
      ErrorCode.MESSAGE_TOO_LARGE,
      `batch of ${sizeBytes} bytes in ${CompressionType[target]} exceeds max.message.bytes ` +
        `${policy.messageBytesMax}`,
    );
  }
  const out = Buffer.allocUnsafe(sizeBytes);
  records.copy(out, 0, 0, BATCH_HEADER_BYTES);
  section.copy(out, BATCH_HEADER_BYTES);
  out.writeInt32BE(sizeBytes - BATCH_LOG_OVERHEAD_BYTES, OFFSET_LENGTH);
  let attributes = (header.attributes & ~COMPRESSION_MASK) | target;
  if (policy.timestampType === 'CreateTime') {
    attributes &= ~TIMESTAMP_TYPE_LOG_APPEND;
    out.writeBigInt64BE(BigInt(plan.maxTimestampMs), OFFSET_MAX_TIMESTAMP);
  }
  out.writeInt16BE(attributes, OFFSET_ATTRIBUTES);
  out.writeUInt32BE(computeBatchCrc(out, 0, sizeBytes), OFFSET_CRC);
  return { ok: true, records: out, recompressed: true };
}
