// Producer-state snapshots: `<offset>.snapshot` files beside a partition's
// segments, as Kafka keeps them, each holding the idempotent producers' state
// (epoch, last batches, coordinator epoch) and the transactions still pending
// (open, or finished with the marker not yet below the high watermark) as of
// one log offset. A partition opening loads the newest snapshot at or below its
// log end and applies only the batches after it, so a transaction open across
// many segments, or a producer silent for a while, survives a restart; without
// one it falls back to scanning the last segments. Our own binary format
// (version 1), checked by a CRC32C, not Kafka's: it keeps the five cached
// batches per producer where Kafka keeps one.
//
// Layout, big-endian: version int16 | crc32c int32 (of all that follows) |
// offset int64 | producers int32, each: id int64, epoch int16, last timestamp
// int64, coordinator epoch int32, batches int8, each: first sequence int32,
// last sequence int32, first offset int64 | open int32, each: producer id
// int64, first offset int64, start timestamp int64 | unreplicated int32, each:
// producer id int64, first offset int64, marker offset int64.

import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import {
  isNotFoundError,
  type LogFileSystem,
  readFully,
  replaceFileDurably,
} from '../log/file-system.ts';
import type { FinishedTransaction, OpenTransaction } from './partition-transactions.ts';
import type { CachedBatch, ProducerEntry } from './producer-state.ts';

export const SNAPSHOT_SUFFIX = '.snapshot';
const VERSION = 1;
/** A file larger than this is not a snapshot we wrote: it is not read. */
export const SNAPSHOT_BYTES_MAX = 128 * 1024 * 1024;
/** Snapshots kept per partition: the newest, and one before it should a truncation remove it. */
const SNAPSHOTS_KEPT = 2;
const HEADER_BYTES = 2 + 4 + 8;
const PRODUCER_BYTES = 8 + 2 + 8 + 4 + 1;
const BATCH_BYTES = 4 + 4 + 8;
const OPEN_BYTES = 8 + 8 + 8;
const FINISHED_BYTES = 8 + 8 + 8;
/** The most batches a producer entry caches (producer-state.ts keeps five). */
const BATCHES_PER_PRODUCER_MAX = 127;

export interface ProducerSnapshot {
  /** The state is that after every batch below this offset, and none at or above it. */
  readonly offset: number;
  readonly producers: ReadonlyArray<{ readonly producerId: number; readonly entry: ProducerEntry }>;
  readonly open: ReadonlyArray<{ readonly producerId: number } & OpenTransaction>;
  readonly unreplicated: readonly FinishedTransaction[];
}

export function snapshotFileName(offset: number): string {
  return `${String(offset).padStart(20, '0')}${SNAPSHOT_SUFFIX}`;
}

/** The offset a snapshot file name carries, or null for any other name. */
export function parseSnapshotFileName(name: string): number | null {
  const m = /^(\d{20})\.snapshot$/.exec(name);
  if (m === null) return null;
  const offset = Number(m[1]);
  return Number.isSafeInteger(offset) ? offset : null;
}

export function encodeProducerSnapshot(s: ProducerSnapshot): Buffer {
  let size = HEADER_BYTES + 4 + 4 + 4;
  for (const p of s.producers) {
    if (p.entry.batches.length > BATCHES_PER_PRODUCER_MAX)
      throw new Error(`producer ${p.producerId} caches ${p.entry.batches.length} batches`);
    size += PRODUCER_BYTES + p.entry.batches.length * BATCH_BYTES;
  }
  size += s.open.length * OPEN_BYTES + s.unreplicated.length * FINISHED_BYTES;
  const buf = Buffer.alloc(size);
  let at = 0;
  const int64 = (v: number) => {
    buf.writeBigInt64BE(BigInt(v), at);
    at += 8;
  };
  const int32 = (v: number) => {
    buf.writeInt32BE(v, at);
    at += 4;
  };
  buf.writeInt16BE(VERSION, 0);
  at = HEADER_BYTES - 8;
  int64(s.offset);
  int32(s.producers.length);
  for (const { producerId, entry } of s.producers) {
    int64(producerId);
    buf.writeInt16BE(entry.epoch, at);
    at += 2;
    int64(entry.lastTimestampMs);
    int32(entry.coordinatorEpoch);
    buf.writeInt8(entry.batches.length, at);
    at += 1;
    for (const b of entry.batches) {
      int32(b.firstSequence);
      int32(b.lastSequence);
      int64(b.firstOffset);
    }
  }
  int32(s.open.length);
  for (const o of s.open) {
    int64(o.producerId);
    int64(o.firstOffset);
    int64(o.startTimestampMs);
  }
  int32(s.unreplicated.length);
  for (const t of s.unreplicated) {
    int64(t.producerId);
    int64(t.firstOffset);
    int64(t.lastOffset);
  }
  buf.writeInt32BE(crc32c(buf.subarray(6)) | 0, 2);
  return buf;
}

/**
 * The snapshot in `buf`, or null when it is not one we can trust: another version,
 * a CRC mismatch, a count larger than the bytes that follow, or bytes left over.
 * Nothing is allocated for a count before the bytes it claims are known to be there.
 */
export function decodeProducerSnapshot(buf: Buffer): ProducerSnapshot | null {
  if (buf.length < HEADER_BYTES + 12) return null;
  if (buf.readInt16BE(0) !== VERSION) return null;
  if (buf.readInt32BE(2) !== (crc32c(buf.subarray(6)) | 0)) return null;
  let at = 6;
  const int64 = () => {
    const v = Number(buf.readBigInt64BE(at));
    at += 8;
    return v;
  };
  const int32 = () => {
    const v = buf.readInt32BE(at);
    at += 4;
    return v;
  };
  /** A count of entries at least `entryBytes` long each, if that many bytes follow. */
  const count = (entryBytes: number) => {
    if (buf.length - at < 4) return -1;
    const n = int32();
    return n >= 0 && n * entryBytes <= buf.length - at ? n : -1;
  };
  const offset = int64();
  const producerCount = count(PRODUCER_BYTES);
  if (producerCount < 0) return null;
  const producers: Array<{ producerId: number; entry: ProducerEntry }> = [];
  for (let i = 0; i < producerCount; i++) {
    if (buf.length - at < PRODUCER_BYTES) return null;
    const producerId = int64();
    const epoch = buf.readInt16BE(at);
    at += 2;
    const lastTimestampMs = int64();
    const coordinatorEpoch = int32();
    const batchCount = buf.readInt8(at);
    at += 1;
    if (batchCount < 0 || batchCount * BATCH_BYTES > buf.length - at) return null;
    const batches: CachedBatch[] = [];
    for (let b = 0; b < batchCount; b++)
      batches.push({ firstSequence: int32(), lastSequence: int32(), firstOffset: int64() });
    producers.push({ producerId, entry: { epoch, batches, lastTimestampMs, coordinatorEpoch } });
  }
  const openCount = count(OPEN_BYTES);
  if (openCount < 0) return null;
  const open: Array<{ producerId: number } & OpenTransaction> = [];
  for (let i = 0; i < openCount; i++)
    open.push({ producerId: int64(), firstOffset: int64(), startTimestampMs: int64() });
  const finishedCount = count(FINISHED_BYTES);
  if (finishedCount < 0) return null;
  const unreplicated: FinishedTransaction[] = [];
  for (let i = 0; i < finishedCount; i++)
    unreplicated.push({ producerId: int64(), firstOffset: int64(), lastOffset: int64() });
  if (at !== buf.length) return null;
  return { offset, producers, open, unreplicated };
}

/** The snapshot files of one partition directory; operations run one after another. */
export class ProducerSnapshotFiles {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fs: LogFileSystem,
    private readonly dir: string,
  ) {}

  /**
   * Runs `beforeWrite` (the log's flush: a snapshot must not describe batches a power
   * cut could take back), writes the snapshot durably, then removes all but the newest.
   */
  write(snapshot: ProducerSnapshot, beforeWrite: () => Promise<void>): Promise<void> {
    return this.enqueue(async () => {
      await beforeWrite();
      await replaceFileDurably(
        this.fs,
        join(this.dir, snapshotFileName(snapshot.offset)),
        encodeProducerSnapshot(snapshot),
      );
      const offsets = await this.list();
      for (const o of offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT)))
        await this.unlink(o);
    });
  }

  /**
   * The newest snapshot with an offset in [minOffset, maxOffset]. Files above
   * `maxOffset` (the log lost or truncated what they describe) and files that do
   * not decode are removed and named in `discarded`.
   */
  loadLatest(
    minOffset: number,
    maxOffset: number,
  ): Promise<{ snapshot: ProducerSnapshot | null; discarded: string[] }> {
    return this.enqueue(async () => {
      const discarded: string[] = [];
      const offsets = await this.list();
      for (let i = offsets.length - 1; i >= 0; i--) {
        const offset = offsets[i]!;
        if (offset > maxOffset) {
          discarded.push(`${snapshotFileName(offset)}: above the log end ${maxOffset}`);
          await this.unlink(offset);
          continue;
        }
        if (offset < minOffset) break;
        const snapshot = await this.read(offset);
        if (snapshot !== null && snapshot.offset === offset) return { snapshot, discarded };
        discarded.push(`${snapshotFileName(offset)}: not a valid snapshot`);
        await this.unlink(offset);
      }
      return { snapshot: null, discarded };
    });
  }

  /** Removes snapshots above `offset`: the log is about to lose what they describe. */
  removeAbove(offset: number): Promise<void> {
    return this.enqueue(async () => {
      for (const o of await this.list()) if (o > offset) await this.unlink(o);
    });
  }

  /** Resolves once the operations queued so far are done, whether or not they failed. */
  settled(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  private async read(offset: number): Promise<ProducerSnapshot | null> {
    const file = await this.fs.open(join(this.dir, snapshotFileName(offset)), { create: false });
    try {
      const { sizeBytes } = await file.stat();
      if (sizeBytes > SNAPSHOT_BYTES_MAX) return null;
      return decodeProducerSnapshot(await readFully(file, 0, sizeBytes));
    } finally {
      await file.close();
    }
  }

  /** Offsets of the snapshot files, ascending. */
  private async list(): Promise<number[]> {
    try {
      const names = await this.fs.readdir(this.dir);
      return names
        .map(parseSnapshotFileName)
        .filter((o): o is number => o !== null)
        .sort((a, b) => a - b);
    } catch (err) {
      if (isNotFoundError(err)) return [];
      throw err;
    }
  }

  private async unlink(offset: number): Promise<void> {
    try {
      await this.fs.unlink(join(this.dir, snapshotFileName(offset)));
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
    }
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.tail.then(op);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
