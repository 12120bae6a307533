// Errors the partition log raises for conditions a client or the disk can
// cause. Each carries the Kafka error code and name the API handler puts in its
// response, so api/ never has to guess; broken invariants are assertions instead.

export abstract class LogError extends Error {
  abstract readonly errorCode: number;
  abstract readonly errorName: string;
}

/**
 * An offset outside what the operation accepts: [logStartOffset, logEndOffset] for
 * a fetch, up to the high watermark for DeleteRecords.
 */
export class OffsetOutOfRangeError extends LogError {
  readonly errorCode = 1;
  readonly errorName = 'OFFSET_OUT_OF_RANGE';
  constructor(
    readonly offset: number,
    readonly lowestOffset: number,
    readonly highestOffset: number,
  ) {
    super(`offset ${offset} is outside [${lowestOffset}, ${highestOffset}]`);
  }
}

/** Bytes handed to append are not a sequence of whole v2 batches. */
export class CorruptRecordError extends LogError {
  readonly errorCode = 2;
  readonly errorName = 'CORRUPT_MESSAGE';
}

/** One append is larger than a whole segment may be (`segment.bytes`). */
export class RecordListTooLargeError extends LogError {
  readonly errorCode = 18;
  readonly errorName = 'RECORD_LIST_TOO_LARGE';
}

/** Replicated batches do not continue the log (their offsets go backwards). */
export class InvalidAppendOffsetError extends LogError {
  readonly errorCode = -1;
  readonly errorName = 'UNKNOWN_SERVER_ERROR';
}

/**
 * The disk failed under this log. For want of space the log stays consistent and
 * usable (the partial write is cut off) and the next append tries again; for
 * anything else it stays offline until the broker reopens it.
 */
export class LogStorageError extends LogError {
  readonly errorCode = 56;
  readonly errorName = 'KAFKA_STORAGE_ERROR';
}

/** The log was closed or deleted; the partition is no longer served here. */
export class LogClosedError extends LogError {
  readonly errorCode = 56;
  readonly errorName = 'KAFKA_STORAGE_ERROR';
}

/**
 * The fsync of a segment failed. The kernel may have dropped the pages it could
 * not write, so what the log holds in memory is no longer known to be on disk:
 * the log goes offline (as Kafka takes a log dir offline) whatever the errno.
 */
export class FsyncFailedError extends Error {}

/** A write refused for want of space (ENOSPC, or EDQUOT for a quota): retriable once space returns. */
export function isNoSpaceError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
