// A replica's copy of one partition read straight from its segment files, record by
// record with its batch's leader epoch and producer id/epoch/base sequence. Cluster
// tests compare replicas with it and explain a value stored twice by the batches
// that hold it: what the disks hold, not what a fetch through a leader answers.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeTestRecords } from '../../src/log/testing/test-batch.ts';
import { forEachBatch, readBatchHeader } from '../../src/protocol/record-batch.ts';

/** One stored record as a replica's segment files hold it. */
export interface ReplicaRecord {
  readonly offset: number;
  readonly timestampMs: number;
  /** Its batch's partition leader epoch. */
  readonly leaderEpoch: number;
  readonly value: string;
  /** Its batch's producer id, producer epoch and base sequence, to explain a duplicate. */
  readonly producer: string;
  readonly producerId: number;
  readonly producerEpoch: number;
}

/**
 * The records of every segment file (`*.log`, in name order, whole batches only) in one
 * partition's directory. A directory that cannot be listed is an error, unless
 * `missingIsEmpty` (a replica that never held the partition): then no records.
 */
export async function readReplicaLog(
  partitionDir: string,
  options: { readonly missingIsEmpty?: boolean } = {},
): Promise<ReplicaRecord[]> {
  let names: string[];
  try {
    names = (await readdir(partitionDir)).filter((n) => n.endsWith('.log')).sort();
  } catch (err) {
    if (options.missingIsEmpty === true) return [];
    throw err;
  }
  const out: ReplicaRecord[] = [];
  for (const name of names) {
    const bytes = await readFile(join(partitionDir, name));
    forEachBatch(bytes, (at, sizeBytes) => {
      const batch = bytes.subarray(at, at + sizeBytes);
      const h = readBatchHeader(batch);
      const producer = `${h.producerId}/${h.producerEpoch}/${h.baseSequence}`;
      for (const r of decodeTestRecords(batch)) {
        out.push({
          offset: r.offset,
          timestampMs: r.timestampMs,
          leaderEpoch: h.partitionLeaderEpoch,
          value: r.value?.toString() ?? '',
          producer,
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
        });
      }
    });
  }
  return out;
}

/**
 * The records whose value the log holds more than once, grouped by the batch that holds
 * them (`producer`), batches in the order their first such record's value first appears
 * and records in log order: which batches a duplicate came in, to tell a retry the broker
 * let through (one producer epoch) from a client's re-send after an epoch bump.
 */
export function copiesByBatch(log: readonly ReplicaRecord[]): Map<string, ReplicaRecord[]> {
  const byValue = new Map<string, ReplicaRecord[]>();
  for (const r of log) {
    const copies = byValue.get(r.value);
    if (copies === undefined) byValue.set(r.value, [r]);
    else copies.push(r);
  }
  const byBatch = new Map<string, ReplicaRecord[]>();
  for (const copies of byValue.values()) {
    if (copies.length < 2) continue;
    for (const c of copies) {
      const batch = byBatch.get(c.producer);
      if (batch === undefined) byBatch.set(c.producer, [c]);
      else batch.push(c);
    }
  }
  return byBatch;
}

/**
 * Who answers for a value stored more than once. `retryLetThrough`: two copies under one
 * producer id and epoch, a retry the broker failed to deduplicate. `resentAfterEpochBump`:
 * every copy under its own epoch of one producer id, the client renumbering messages
 * from sequence 0 after bumping its epoch (librdkafka does so for every message it has not
 * seen acknowledged, even one a broker already stored), which no broker can tell from a
 * new message. `otherProducers`: copies from different producer ids (or none).
 */
export type StoredTwiceCause = 'retryLetThrough' | 'resentAfterEpochBump' | 'otherProducers';

export interface StoredTwice {
  readonly value: string;
  readonly copies: readonly ReplicaRecord[];
  readonly cause: StoredTwiceCause;
}

/**
 * The values held more than once across `logs` (one log per partition: a client may
 * re-send to another partition), each with the cause its copies' batches show.
 */
export function storedTwice(logs: readonly (readonly ReplicaRecord[])[]): StoredTwice[] {
  const byValue = new Map<string, ReplicaRecord[]>();
  for (const log of logs)
    for (const r of log) {
      const copies = byValue.get(r.value);
      if (copies === undefined) byValue.set(r.value, [r]);
      else copies.push(r);
    }
  const out: StoredTwice[] = [];
  for (const [value, copies] of byValue) {
    if (copies.length < 2) continue;
    const sessions = new Set(copies.map((c) => `${c.producerId}/${c.producerEpoch}`));
    const ids = new Set(copies.map((c) => c.producerId));
    const cause: StoredTwiceCause =
      sessions.size < copies.length
        ? 'retryLetThrough'
        : ids.size === 1 && !ids.has(-1)
          ? 'resentAfterEpochBump'
          : 'otherProducers';
    out.push({ value, copies, cause });
  }
  return out;
}
