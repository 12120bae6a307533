// The `leader-epoch-checkpoint` file in a partition directory, in Kafka's text
// format: a version line `0`, the entry count, then `<epoch> <startOffset>`
// per line. It is replaced atomically (a `.tmp` file written and fsynced, then
// renamed over the old one, then the directory fsynced), so a crash leaves the
// old or the new file, never a mix. Parsing is strict; the caller decides what
// a bad file means.

import { join } from 'node:path';
import { type LogFileSystem, readSmallTextFile, replaceFileDurably } from '../log/file-system.ts';
import type { EpochEntry } from './leader-epoch-history.ts';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** Where replaceFileDurably writes first; the partition log's loader deletes it if a crash left it. */
export const LEADER_EPOCH_CHECKPOINT_TMP = `${LEADER_EPOCH_CHECKPOINT}.tmp`;

const CHECKPOINT_VERSION = 0;
/** About 30 000 entries: far more leader changes than a partition sees within its retention. */
const CHECKPOINT_SIZE_BYTES_MAX = 1024 * 1024;

/** The file's text is not a leader-epoch checkpoint we wrote. */
export class LeaderEpochCheckpointFormatError extends Error {
  override readonly name = 'LeaderEpochCheckpointFormatError';
}

export function encodeLeaderEpochCheckpoint(entries: readonly EpochEntry[]): string {
  const lines = entries.map((e) => `${e.epoch} ${e.startOffset}`);
  return [String(CHECKPOINT_VERSION), String(entries.length), ...lines, ''].join('\n');
}

/** Parses the file's text; throws LeaderEpochCheckpointFormatError naming the first problem. */
export function decodeLeaderEpochCheckpoint(text: string): EpochEntry[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== String(CHECKPOINT_VERSION)) {
    throw new LeaderEpochCheckpointFormatError(`unknown version '${lines[0] ?? ''}'`);
  }
  const count = /^\d+$/.test(lines[1] ?? '') ? Number(lines[1]) : Number.NaN;
  if (!Number.isSafeInteger(count) || lines.length !== count + 2) {
    throw new LeaderEpochCheckpointFormatError(
      `entry count '${lines[1] ?? ''}' does not match ${lines.length - 2} lines`,
    );
  }
  const entries: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const m = /^(\d+) (\d+)$/.exec(line);
    const epoch = Number(m?.[1]);
    const startOffset = Number(m?.[2]);
    if (m === null || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset)) {
      throw new LeaderEpochCheckpointFormatError(`malformed line '${line}'`);
    }
    const previous = entries[entries.length - 1];
    if (
      previous !== undefined &&
      (epoch <= previous.epoch || startOffset <= previous.startOffset)
    ) {
      throw new LeaderEpochCheckpointFormatError(`line '${line}' is out of order`);
    }
    entries.push({ epoch, startOffset });
  }
  return entries;
}

/** The checkpoint in `partitionDir`; null when there is none. A malformed file throws. */
export async function readLeaderEpochCheckpoint(
  fs: LogFileSystem,
  partitionDir: string,
): Promise<EpochEntry[] | null> {
  const text = await readSmallTextFile(
    fs,
    join(partitionDir, LEADER_EPOCH_CHECKPOINT),
    CHECKPOINT_SIZE_BYTES_MAX,
    (size) => new LeaderEpochCheckpointFormatError(`${size} bytes is too large`),
  );
  return text === null ? null : decodeLeaderEpochCheckpoint(text);
}

/** Replaces the checkpoint in `partitionDir` atomically and durably. */
export function writeLeaderEpochCheckpoint(
  fs: LogFileSystem,
  partitionDir: string,
  entries: readonly EpochEntry[],
): Promise<void> {
  return replaceFileDurably(
    fs,
    join(partitionDir, LEADER_EPOCH_CHECKPOINT),
    encodeLeaderEpochCheckpoint(entries),
  );
}
