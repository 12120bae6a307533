// `partition.metadata` in each partition directory, in Kafka's format
// (`version: 0` and `topic_id: <id>` lines): which topic the directory's data
// belongs to. A topic deleted and created again under the same name while a
// broker was down leaves that broker a directory with the old topic's records;
// the id tells the two apart where the name cannot.

import { posix } from 'node:path';
import { type LogFileSystem, readSmallTextFile, replaceFileDurably } from './file-system.ts';

export const PARTITION_METADATA_FILE = 'partition.metadata';

const VERSION = 0;
const SIZE_BYTES_MAX = 4096;

export class PartitionMetadataFormatError extends Error {
  override readonly name = 'PartitionMetadataFormatError';
}

export function encodePartitionMetadata(topicId: string): string {
  return `version: ${VERSION}\ntopic_id: ${topicId}\n`;
}

/** The topic id; throws PartitionMetadataFormatError when the text is not the format above. */
export function decodePartitionMetadata(text: string): string {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new PartitionMetadataFormatError(`malformed line '${line}'`);
    fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const version = fields.get('version');
  if (version !== String(VERSION))
    throw new PartitionMetadataFormatError(`unknown version '${version ?? ''}'`);
  const topicId = fields.get('topic_id');
  if (topicId === undefined || topicId === '')
    throw new PartitionMetadataFormatError('no topic_id');
  return topicId;
}

/** The topic id recorded in `dir`, or null when the directory has no such file. */
export async function readPartitionMetadata(
  fs: LogFileSystem,
  dir: string,
): Promise<string | null> {
  const text = await readSmallTextFile(
    fs,
    posix.join(dir, PARTITION_METADATA_FILE),
    SIZE_BYTES_MAX,
    (size) => new PartitionMetadataFormatError(`${size} bytes is too large`),
  );
  return text === null ? null : decodePartitionMetadata(text);
}

/** Writes the file atomically and durably. */
export function writePartitionMetadata(
  fs: LogFileSystem,
  dir: string,
  topicId: string,
): Promise<void> {
  return replaceFileDurably(
    fs,
    posix.join(dir, PARTITION_METADATA_FILE),
    encodePartitionMetadata(topicId),
  );
}
