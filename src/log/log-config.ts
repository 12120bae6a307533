// A partition log's topic-level settings, named after Kafka's topic configs
// (`segment.bytes`, `retention.ms`, ...). Parsing property text into this shape
// belongs to config/; this module only holds the defaults and the checks that
// keep file positions and index sizes inside what the on-disk format can hold.

export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** `segment.bytes`: roll the active segment before it would grow past this. */
  readonly segmentBytes: number;
  /** `segment.ms`: roll the active segment once it is older than this. */
  readonly segmentMs: number;
  /** `retention.ms`: delete sealed segments whose newest timestamp is older; -1 = forever. */
  readonly retentionMs: number;
  /** `retention.bytes`: delete the oldest sealed segments beyond this size; -1 = unlimited. */
  readonly retentionBytes: number;
  /** `index.interval.bytes`: bytes of batches between two offset-index entries. */
  readonly indexIntervalBytes: number;
  /** `segment.index.bytes`: the most bytes one index file may hold; a full index rolls. */
  readonly segmentIndexBytes: number;
  /** `flush.messages`: fsync after this many offsets since the last flush. */
  readonly flushMessages: number;
  /** `flush.ms`: fsync on append once this long has passed since the last flush. */
  readonly flushMs: number;
  /** `message.timestamp.type`. */
  readonly messageTimestampType: MessageTimestampType;
}

/** Kafka's `Long.MAX_VALUE` defaults ("never") as the largest safe JS integer. */
const NEVER = Number.MAX_SAFE_INTEGER;

const INT32_MAX = 0x7fff_ffff;

export const defaultLogConfig: LogConfig = Object.freeze({
  segmentBytes: 1_073_741_824,
  segmentMs: 604_800_000,
  retentionMs: 604_800_000,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10_485_760,
  flushMessages: NEVER,
  flushMs: NEVER,
  messageTimestampType: 'CreateTime',
});

/** Throws RangeError naming the Kafka property when a value cannot work on disk. */
export function validateLogConfig(config: LogConfig): void {
  // Positions in the offset index are int32, and a segment must hold at least one batch header.
  checkInteger('segment.bytes', config.segmentBytes, 14, INT32_MAX);
  checkInteger('segment.ms', config.segmentMs, 1, NEVER);
  checkInteger('retention.ms', config.retentionMs, -1, NEVER);
  checkInteger('retention.bytes', config.retentionBytes, -1, NEVER);
  checkInteger('index.interval.bytes', config.indexIntervalBytes, 0, INT32_MAX);
  // At least one 12-byte time-index entry must fit.
  checkInteger('segment.index.bytes', config.segmentIndexBytes, 12, INT32_MAX);
  checkInteger('flush.messages', config.flushMessages, 1, NEVER);
  checkInteger('flush.ms', config.flushMs, 0, NEVER);
  const type = config.messageTimestampType;
  if (type !== 'CreateTime' && type !== 'LogAppendTime') {
    throw new RangeError(`message.timestamp.type must be CreateTime or LogAppendTime: ${type}`);
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}]: ${value}`);
  }
}
