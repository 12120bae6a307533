// Walks the records section of one v2 batch as bytes, checking what a broker
// must check before storing it: every record's length agrees with its fields,
// the count agrees with the header, offset deltas run 0, 1, 2, ..., keys are
// present where the topic needs them and timestamps are representable and
// within the topic's bounds. Keys, values and headers are skipped, never
// copied. Two walkers share one grammar: `walkRecords` over contiguous bytes
// (the hot path for uncompressed batches) and `RecordStreamWalker`, fed the
// output of a decompressor chunk by chunk so that no record is materialised.
// Record grammar: length varint | attributes int8 | timestampDelta varlong |
// offsetDelta varint | key (varint length, -1 = null) | value (likewise) |
// header count varint | headers (key: varint length >= 0, value: nullable).

/** What the walk checks beyond the grammar; built once per batch. */
export interface RecordChecks {
  /** recordCount from the header: the walk must find exactly this many. */
  readonly recordCount: number;
  /** baseTimestamp from the header. */
  readonly baseTimestampMs: number;
  /**
   * The batch says LogAppendTime: every record's timestamp is this value (the
   * header's maxTimestamp) instead of base + delta, as Kafka reads it.
   */
  readonly logAppendTimeMs: number | null;
  /** cleanup.policy includes compact: a record without a key is refused (INVALID_RECORD). */
  readonly keysRequired: boolean;
  /**
   * CreateTime bounds [min, max] from message.timestamp.before/after.max.ms, or
   * null when the topic uses LogAppendTime (the broker overwrites timestamps).
   */
  readonly timestampBounds: { readonly minMs: number; readonly maxMs: number } | null;
}

/** A record refused by itself; the batch is refused with all of them (KIP-467). */
export interface RecordError {
  readonly batchIndex: number;
  readonly message: string;
  readonly timestamp: boolean;
}

/** Grammar and count problems refuse the whole batch with INVALID_RECORD. */
export type WalkProblem = 'bad-record' | 'record-count-mismatch' | 'bad-offset-delta';

export interface WalkResult {
  readonly problem: WalkProblem | null;
  /** Says what was wrong and where, for the error message and the log. */
  readonly detail: string | null;
  readonly count: number;
  /** Largest record timestamp, -1 when none (Kafka's NO_TIMESTAMP). */
  readonly maxTimestampMs: number;
  readonly recordErrors: readonly RecordError[];
  /** All record errors, including those beyond RECORD_ERRORS_MAX. */
  readonly recordErrorCount: number;
}

/** Record errors kept per batch; the response carries at most these. */
export const RECORD_ERRORS_MAX = 1000;
/** Smallest record body: attributes, timestampDelta, offsetDelta, key, value, header count. */
const RECORD_BODY_MIN_BYTES = 6;
const NO_TIMESTAMP = -1;

/** Accumulates the per-record outcomes both walkers share. */
class WalkState {
  count = 0;
  maxTimestampMs = NO_TIMESTAMP;
  recordErrors: RecordError[] = [];
  recordErrorCount = 0;
  problem: WalkProblem | null = null;
  detail: string | null = null;

  constructor(readonly checks: RecordChecks) {}

  fail(problem: WalkProblem, detail: string): void {
    if (this.problem !== null) return;
    this.problem = problem;
    this.detail = detail;
  }

  /** One whole record read: the checks that need its fields. */
  record(timestampDelta: number, offsetDelta: number, keyIsNull: boolean): void {
    const index = this.count;
    const c = this.checks;
    if (offsetDelta !== index) {
      this.fail('bad-offset-delta', `record ${index} has offset delta ${offsetDelta}`);
      return;
    }
    const timestampMs = c.logAppendTimeMs ?? c.baseTimestampMs + timestampDelta;
    if (keyIsNull && c.keysRequired) {
      this.recordError(index, 'Compacted topic cannot accept message without key', false);
    } else {
      const problem = timestampProblem(timestampMs, c);
      if (problem !== null) this.recordError(index, problem, true);
    }
    if (timestampMs > this.maxTimestampMs) this.maxTimestampMs = timestampMs;
    this.count = index + 1;
  }

  private recordError(batchIndex: number, message: string, timestamp: boolean): void {
    this.recordErrorCount += 1;
    if (this.recordErrors.length < RECORD_ERRORS_MAX) {
      this.recordErrors.push({ batchIndex, message, timestamp });
    }
  }

  result(): WalkResult {
    return {
      problem: this.problem,
      detail: this.detail,
      count: this.count,
      maxTimestampMs: this.maxTimestampMs,
      recordErrors: this.recordErrors,
      recordErrorCount: this.recordErrorCount,
    };
  }
}

/**
 * Kafka's validateTimestamp: CreateTime records within the topic's bounds
 * (NO_TIMESTAMP passes), and a producer may not claim LogAppendTime. Gregor
 * also refuses CreateTime timestamps a JS number cannot hold exactly.
 */
function timestampProblem(timestampMs: number, c: RecordChecks): string | null {
  const bounds = c.timestampBounds;
  if (bounds !== null && timestampMs !== NO_TIMESTAMP) {
    if (!Number.isSafeInteger(timestampMs)) {
      return `Timestamp ${timestampMs} is outside the range this broker stores (|t| < 2^53)`;
    }
    if (timestampMs < bounds.minMs || timestampMs > bounds.maxMs) {
      return (
        `Timestamp ${timestampMs} of message is out of range. ` +
        `The timestamp should be within [${bounds.minMs}, ${bounds.maxMs}]`
      );
    }
    return null;
  }
  if (c.logAppendTimeMs !== null) {
    return 'Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.';
  }
  return null;
}

// ---- contiguous bytes -------------------------------------------------------

/** Thrown inside walkRecords only; caught there and turned into a 'bad-record' result. */
class GrammarError extends Error {}

/** The read position of walkRecords; module state so the varint readers allocate nothing. */
let cursor = 0;

/** A zigzag int32 varint (at most 5 bytes, below 2^32) ending before `limit`. */
function readVarint(buf: Buffer, limit: number): number {
  if (cursor < limit && buf[cursor]! < 0x80) {
    const b = buf[cursor++]!; // one byte, the common case: small lengths and deltas
    return (b >>> 1) ^ -(b & 1);
  }
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (cursor >= limit) throw new GrammarError('varint runs past the record');
    const b = buf[cursor++]!;
    if (i === 4 && b > 0x0f) throw new GrammarError('varint longer than 32 bits');
    raw += (b & 0x7f) * scale;
    if (b < 0x80) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    scale *= 128;
  }
  throw new GrammarError('varint longer than 5 bytes');
}

/** A zigzag varlong whose raw value stays below 2^53, ending before `limit`. */
function readVarlong(buf: Buffer, limit: number): number {
  if (cursor < limit && buf[cursor]! < 0x80) {
    const b = buf[cursor++]!;
    return (b >>> 1) ^ -(b & 1);
  }
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor >= limit) throw new GrammarError('varlong runs past the record');
    const b = buf[cursor++]!;
    raw += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (raw > Number.MAX_SAFE_INTEGER) throw new GrammarError('varlong beyond 2^53');
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    scale *= 128;
  }
  throw new GrammarError('varlong longer than 10 bytes');
}

/** Skips a nullable byte string (negative length = null); returns true when null. */
function skipNullable(buf: Buffer, limit: number): boolean {
  const length = readVarint(buf, limit);
  if (length < 0) return true;
  if (length > limit - cursor) throw new GrammarError(`length ${length} overruns the record`);
  cursor += length;
  return false;
}

/**
 * Walks the records in buf[from, end), a whole records section. Synchronous
 * and allocation-free per record (only record errors allocate).
 */
export function walkRecords(
  buf: Buffer,
  from: number,
  end: number,
  checks: RecordChecks,
): WalkResult {
  const state = new WalkState(checks);
  cursor = from;
  try {
    while (cursor < end && state.problem === null) {
      if (state.count === checks.recordCount) {
        state.fail('record-count-mismatch', `bytes remain after ${checks.recordCount} records`);
        break;
      }
      walkOne(buf, end, state);
    }
  } catch (err) {
    if (!(err instanceof GrammarError)) throw err;
    state.fail('bad-record', `record ${state.count}: ${err.message}`);
  }
  if (state.problem === null && state.count !== checks.recordCount) {
    state.fail(
      'record-count-mismatch',
      `batch declares ${checks.recordCount} records, holds ${state.count}`,
    );
  }
  return state.result();
}

function walkOne(buf: Buffer, end: number, state: WalkState): void {
  const bodyBytes = readVarint(buf, end);
  if (bodyBytes < RECORD_BODY_MIN_BYTES || bodyBytes > end - cursor) {
    throw new GrammarError(`record length ${bodyBytes} is invalid`);
  }
  const recordEnd = cursor + bodyBytes;
  cursor += 1; // attributes: unused in v2
  const timestampDelta = readVarlong(buf, recordEnd);
  const offsetDelta = readVarint(buf, recordEnd);
  const keyIsNull = skipNullable(buf, recordEnd);
  skipNullable(buf, recordEnd);
  const headers = readVarint(buf, recordEnd);
  // Each header takes at least two bytes (its key length and value length).
  if (headers < 0 || headers * 2 > recordEnd - cursor) {
    throw new GrammarError(`header count ${headers} is invalid`);
  }
  for (let h = 0; h < headers; h++) {
    if (skipNullable(buf, recordEnd)) throw new GrammarError('header key is null');
    skipNullable(buf, recordEnd);
  }
  if (cursor !== recordEnd) {
    throw new GrammarError(
      `record fields end at ${cursor - recordEnd + bodyBytes} of ${bodyBytes}`,
    );
  }
  state.record(timestampDelta, offsetDelta, keyIsNull);
}

// ---- a stream of chunks -----------------------------------------------------

// Fields of a record in order; payload states skip bytes, the others read a varint.
const F_LENGTH = 0;
const F_ATTRIBUTES = 1;
const F_TIMESTAMP = 2;
const F_OFFSET = 3;
const F_KEY_LENGTH = 4;
const F_KEY = 5;
const F_VALUE_LENGTH = 6;
const F_VALUE = 7;
const F_HEADER_COUNT = 8;
const F_HEADER_KEY_LENGTH = 9;
const F_HEADER_KEY = 10;
const F_HEADER_VALUE_LENGTH = 11;
const F_HEADER_VALUE = 12;

/**
 * The same walk as walkRecords over bytes that arrive in chunks of any size,
 * holding nothing but a few numbers between them: payloads are skipped by
 * count and varints are accumulated byte by byte across chunk boundaries.
 */
export class RecordStreamWalker {
  private readonly state: WalkState;
  private field = F_LENGTH;
  /** Varint being read: raw value so far, weight of the next 7 bits, bytes read. */
  private raw = 0;
  private scale = 1;
  private varintBytes = 0;
  /** Bytes of the current record's body not yet read. */
  private bodyLeft = 0;
  /** Bytes of the current payload (key, value, header part) not yet skipped. */
  private skipLeft = 0;
  private headersLeft = 0;
  private timestampDelta = 0;
  private offsetDelta = 0;
  private keyIsNull = false;
  private bytesSeen = 0;

  constructor(checks: RecordChecks) {
    this.state = new WalkState(checks);
  }

  /** False once the walk has failed: the caller may stop decompressing. */
  get ok(): boolean {
    return this.state.problem === null;
  }

  /** Decompressed bytes fed so far. */
  get bytes(): number {
    return this.bytesSeen;
  }

  /** Feeds the next chunk of the records section; returns `ok`. */
  push(chunk: Uint8Array): boolean {
    this.bytesSeen += chunk.length;
    let i = 0;
    const n = chunk.length;
    while (i < n && this.state.problem === null) {
      const field = this.field;
      if (
        field === F_KEY ||
        field === F_VALUE ||
        field === F_HEADER_KEY ||
        field === F_HEADER_VALUE
      ) {
        const take = Math.min(this.skipLeft, n - i);
        i += take;
        this.skipLeft -= take;
        if (this.skipLeft === 0) this.afterPayload();
        continue;
      }
      if (
        field === F_LENGTH &&
        this.varintBytes === 0 &&
        this.state.count === this.state.checks.recordCount
      ) {
        this.state.fail('record-count-mismatch', `bytes remain after ${this.state.count} records`);
        break;
      }
      if (field !== F_LENGTH) {
        if (this.bodyLeft === 0) {
          this.grammar('a field runs past the record');
          break;
        }
        this.bodyLeft -= 1;
      }
      const b = chunk[i++]!;
      if (field === F_ATTRIBUTES) {
        this.field = F_TIMESTAMP;
        continue;
      }
      this.varintByte(field, b);
    }
    return this.state.problem === null;
  }

  /** Ends the walk: a record cut off, or fewer records than declared, fail it. */
  finish(): WalkResult {
    const s = this.state;
    if (s.problem === null && (this.field !== F_LENGTH || this.varintBytes !== 0)) {
      this.grammar('the records section ends inside a record');
    }
    if (s.problem === null && s.count !== s.checks.recordCount) {
      s.fail(
        'record-count-mismatch',
        `batch declares ${s.checks.recordCount} records, holds ${s.count}`,
      );
    }
    return s.result();
  }

  private grammar(message: string): void {
    this.state.fail('bad-record', `record ${this.state.count}: ${message}`);
  }

  private varintByte(field: number, b: number): void {
    const long = field === F_TIMESTAMP;
    if (!long && this.varintBytes === 4 && b > 0x0f) {
      this.grammar('varint longer than 32 bits');
      return;
    }
    this.raw += (b & 0x7f) * this.scale;
    this.varintBytes += 1;
    if (b >= 0x80) {
      this.scale *= 128;
      if (this.varintBytes === (long ? 10 : 5)) this.grammar('varint too long');
      return;
    }
    const raw = this.raw;
    this.raw = 0;
    this.scale = 1;
    this.varintBytes = 0;
    if (raw > Number.MAX_SAFE_INTEGER) {
      this.grammar('varlong beyond 2^53');
      return;
    }
    this.onVarint(field, raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2);
  }

  private onVarint(field: number, value: number): void {
    switch (field) {
      case F_LENGTH:
        if (value < RECORD_BODY_MIN_BYTES) this.grammar(`record length ${value} is invalid`);
        this.bodyLeft = value;
        this.field = F_ATTRIBUTES;
        return;
      case F_TIMESTAMP:
        this.timestampDelta = value;
        this.field = F_OFFSET;
        return;
      case F_OFFSET:
        this.offsetDelta = value;
        this.field = F_KEY_LENGTH;
        return;
      case F_KEY_LENGTH:
        this.keyIsNull = value < 0;
        this.startPayload(value, F_KEY);
        return;
      case F_VALUE_LENGTH:
        this.startPayload(value, F_VALUE);
        return;
      case F_HEADER_COUNT:
        if (value < 0 || value * 2 > this.bodyLeft) {
          this.grammar(`header count ${value} is invalid`);
          return;
        }
        this.headersLeft = value;
        this.nextHeaderOrEnd();
        return;
      case F_HEADER_KEY_LENGTH:
        if (value < 0) {
          this.grammar('header key is null');
          return;
        }
        this.startPayload(value, F_HEADER_KEY);
        return;
      case F_HEADER_VALUE_LENGTH:
        this.headersLeft -= 1;
        this.startPayload(value, F_HEADER_VALUE);
        return;
    }
  }

  /** A payload of `length` bytes (negative: null, none) skipped in state `skip`. */
  private startPayload(length: number, skip: number): void {
    if (length > this.bodyLeft) {
      this.grammar(`length ${length} overruns the record`);
      return;
    }
    if (length > 0) {
      this.bodyLeft -= length;
      this.skipLeft = length;
      this.field = skip;
      return;
    }
    this.field = skip;
    this.afterPayload();
  }

  /** The payload in this.field is done: move to the field after it. */
  private afterPayload(): void {
    switch (this.field) {
      case F_KEY:
        this.field = F_VALUE_LENGTH;
        return;
      case F_VALUE:
        this.field = F_HEADER_COUNT;
        return;
      case F_HEADER_KEY:
        this.field = F_HEADER_VALUE_LENGTH;
        return;
      default:
        this.nextHeaderOrEnd();
    }
  }

  private nextHeaderOrEnd(): void {
    if (this.headersLeft > 0) {
      this.field = F_HEADER_KEY_LENGTH;
      return;
    }
    if (this.bodyLeft !== 0) {
      this.grammar(`record fields end ${this.bodyLeft} bytes before the record's length`);
      return;
    }
    this.field = F_LENGTH;
    this.state.record(this.timestampDelta, this.offsetDelta, this.keyIsNull);
  }
}
