// Kafka's aborted-transaction index, one `<base offset>.txnindex` file per
// log segment beside its `.log`: fixed 34-byte entries (version int16 = 0,
// producer id int64, first offset int64, last offset int64, last stable
// offset int64), one per abort marker in that segment, in log order. Kafka
// tools read these files. The partition keeps the entries in memory; this
// module writes them as markers are appended, reads them when a partition
// opens, and rewrites or removes them when the log is truncated or trimmed.

import { join } from 'node:path';
import { isNotFoundError, type LogFileSystem, readFully } from '../log/file-system.ts';
import type { AbortedTransaction } from './partition-transactions.ts';

export const TXN_INDEX_SUFFIX = '.txnindex';
export const TXN_INDEX_ENTRY_BYTES = 34;
const ENTRY_VERSION = 0;
/** A file larger than this is not an index we wrote; it is read no further. */
const TXN_INDEX_BYTES_MAX = 64 * 1024 * 1024;

export function txnIndexFileName(segmentBaseOffset: number): string {
  return `${String(segmentBaseOffset).padStart(20, '0')}${TXN_INDEX_SUFFIX}`;
}

export function encodeTxnIndexEntries(entries: readonly AbortedTransaction[]): Buffer {
  const buf = Buffer.alloc(entries.length * TXN_INDEX_ENTRY_BYTES);
  let at = 0;
  for (const e of entries) {
    buf.writeInt16BE(ENTRY_VERSION, at);
    buf.writeBigInt64BE(BigInt(e.producerId), at + 2);
    buf.writeBigInt64BE(BigInt(e.firstOffset), at + 10);
    buf.writeBigInt64BE(BigInt(e.lastOffset), at + 18);
    buf.writeBigInt64BE(BigInt(e.lastStableOffset), at + 26);
    at += TXN_INDEX_ENTRY_BYTES;
  }
  return buf;
}

/** Whole entries of a known version; a torn last entry (a crash mid-write) is ignored. */
export function decodeTxnIndexEntries(buf: Buffer): AbortedTransaction[] {
  const entries: AbortedTransaction[] = [];
  for (let at = 0; at + TXN_INDEX_ENTRY_BYTES <= buf.length; at += TXN_INDEX_ENTRY_BYTES) {
    if (buf.readInt16BE(at) !== ENTRY_VERSION) break;
    entries.push({
      producerId: Number(buf.readBigInt64BE(at + 2)),
      firstOffset: Number(buf.readBigInt64BE(at + 10)),
      lastOffset: Number(buf.readBigInt64BE(at + 18)),
      lastStableOffset: Number(buf.readBigInt64BE(at + 26)),
    });
  }
  return entries;
}

/** The `.txnindex` files of one partition directory. */
export class TransactionIndexFiles {
  /** Writes run one after another so entries land in marker order. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly fs: LogFileSystem,
    private readonly dir: string,
  ) {}

  /** Appends an entry to the file of the segment that holds its marker. */
  append(segmentBaseOffset: number, entry: AbortedTransaction): Promise<void> {
    return this.enqueue(async () => {
      const path = join(this.dir, txnIndexFileName(segmentBaseOffset));
      const file = await this.fs.open(path, { create: true });
      try {
        const { sizeBytes } = await file.stat();
        const whole = sizeBytes - (sizeBytes % TXN_INDEX_ENTRY_BYTES);
        await file.write(encodeTxnIndexEntries([entry]), whole);
      } finally {
        await file.close();
      }
    });
  }

  /** Every entry of every index file, by segment base offset. */
  async readAll(): Promise<Map<number, AbortedTransaction[]>> {
    await this.tail;
    const bySegment = new Map<number, AbortedTransaction[]>();
    for (const name of await this.listFiles()) {
      const base = Number(name.slice(0, 20));
      const file = await this.fs.open(join(this.dir, name), { create: false });
      try {
        const { sizeBytes } = await file.stat();
        const bytes = await readFully(file, 0, Math.min(sizeBytes, TXN_INDEX_BYTES_MAX));
        bySegment.set(base, decodeTxnIndexEntries(bytes));
      } finally {
        await file.close();
      }
    }
    return bySegment;
  }

  /**
   * Makes the files agree with `entries` for segments from `fromSegment` on
   * (rewritten whole), and removes files of segments that no longer exist.
   * `segmentBases` are the log's segments in order.
   */
  rewriteFrom(
    fromSegment: number,
    segmentBases: readonly number[],
    entries: readonly AbortedTransaction[],
  ): Promise<void> {
    return this.enqueue(async () => {
      const existing = new Set(segmentBases);
      for (const name of await this.listFiles()) {
        const base = Number(name.slice(0, 20));
        if (!existing.has(base) || base >= fromSegment) await this.unlink(name);
      }
      for (let i = 0; i < segmentBases.length; i++) {
        const base = segmentBases[i]!;
        if (base < fromSegment) continue;
        const next = segmentBases[i + 1] ?? Number.MAX_SAFE_INTEGER;
        const mine = entries.filter((e) => e.lastOffset >= base && e.lastOffset < next);
        if (mine.length === 0) continue;
        const file = await this.fs.open(join(this.dir, txnIndexFileName(base)), { create: true });
        try {
          await file.write(encodeTxnIndexEntries(mine), 0);
        } finally {
          await file.close();
        }
      }
    });
  }

  /** Removes the files of segments that are gone (retention, DeleteRecords). */
  removeMissing(segmentBases: readonly number[]): Promise<void> {
    return this.enqueue(async () => {
      const existing = new Set(segmentBases);
      for (const name of await this.listFiles()) {
        if (!existing.has(Number(name.slice(0, 20)))) await this.unlink(name);
      }
    });
  }

  private async listFiles(): Promise<string[]> {
    try {
      const names = await this.fs.readdir(this.dir);
      return names.filter((n) => /^\d{20}\.txnindex$/.test(n)).sort();
    } catch (err) {
      if (isNotFoundError(err)) return [];
      throw err;
    }
  }

  private async unlink(name: string): Promise<void> {
    try {
      await this.fs.unlink(join(this.dir, name));
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
    }
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.tail.then(op);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
