// The partition's small checkpoint files, in Kafka's text format (a version
// line `0`, an entry count, then `topic partition offset` lines). Each is
// replaced atomically: written to a `.tmp` file, fsynced, renamed, and the
// directory fsynced, so a crash leaves either the old or the new value.

import { type LogFileSystem, readSmallTextFile, replaceFileDurably } from './file-system.ts';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const HIGH_WATERMARK_CHECKPOINT = 'replication-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CHECKPOINT_TMP_SUFFIX = '.tmp';

const CHECKPOINT_VERSION = 0;
const CHECKPOINT_SIZE_BYTES_MAX = 64 * 1024;

export interface CheckpointEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** A checkpoint file's text is not in the expected format. */
export class CheckpointFormatError extends Error {}

export function encodeCheckpoint(entries: readonly CheckpointEntry[]): string {
  const lines = entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`);
  return [String(CHECKPOINT_VERSION), String(entries.length), ...lines, ''].join('\n');
}

/** Parses checkpoint text; throws CheckpointFormatError describing the first thing wrong. */
export function decodeCheckpoint(text: string): CheckpointEntry[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== String(CHECKPOINT_VERSION))
    throw new CheckpointFormatError(`unknown version '${lines[0]}'`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || lines.length !== count + 2) {
    throw new CheckpointFormatError(
      `entry count '${lines[1]}' does not match ${lines.length - 2} lines`,
    );
  }
  return lines.slice(2).map((line) => {
    const parts = line.split(' ');
    const offset = Number(parts[2]);
    const partition = Number(parts[1]);
    const topic = parts[0] ?? '';
    if (parts.length !== 3 || topic === '' || !Number.isSafeInteger(partition)) {
      throw new CheckpointFormatError(`malformed line '${line}'`);
    }
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new CheckpointFormatError(`bad offset in '${line}'`);
    return { topic, partition, offset };
  });
}

/** Reads a checkpoint file; null when it does not exist. Malformed files throw. */
export async function readCheckpointFile(
  fs: LogFileSystem,
  path: string,
): Promise<CheckpointEntry[] | null> {
  const text = await readSmallTextFile(
    fs,
    path,
    CHECKPOINT_SIZE_BYTES_MAX,
    (size) => new CheckpointFormatError(`${size} bytes is too large`),
  );
  return text === null ? null : decodeCheckpoint(text);
}

/** Replaces a checkpoint file atomically and durably. */
export function writeCheckpointFile(
  fs: LogFileSystem,
  path: string,
  entries: readonly CheckpointEntry[],
): Promise<void> {
  return replaceFileDurably(fs, path, encodeCheckpoint(entries));
}
