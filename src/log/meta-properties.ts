// `meta.properties` in a log directory, in Kafka's format (`version=1`,
// `cluster.id=…`, `node.id=…` lines): which cluster and which node the
// directory's data belongs to. It is written once, when a broker first uses the
// directory, and read at every start so that a directory cannot be used by
// another node or joined to another cluster (the checks live in
// cluster/cluster-id.ts).

import { posix } from 'node:path';
import { type LogFileSystem, readSmallTextFile, replaceFileDurably } from './file-system.ts';

export const META_PROPERTIES_FILE = 'meta.properties';

const VERSION = 1;
const SIZE_BYTES_MAX = 4096;

export interface MetaProperties {
  readonly clusterId: string;
  /** null when the file names no node (Kafka's v0 files may name `broker.id` instead). */
  readonly nodeId: number | null;
}

/** The file is not in the format above; the broker refuses to start rather than guess. */
export class MetaPropertiesFormatError extends Error {
  override readonly name = 'MetaPropertiesFormatError';
  readonly code = 'GREGOR_ERR_META_PROPERTIES_INVALID';
}

export function encodeMetaProperties(p: MetaProperties): string {
  const node = p.nodeId === null ? '' : `node.id=${p.nodeId}\n`;
  return `#Written by Gregor\nversion=${VERSION}\ncluster.id=${p.clusterId}\n${node}`;
}

/**
 * What the text records, or null when it records no cluster id (a file that
 * names no cluster claims no directory: it is written anew).
 */
export function decodeMetaProperties(text: string): MetaProperties | null {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new MetaPropertiesFormatError(`malformed line '${line}'`);
    fields.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const clusterId = fields.get('cluster.id');
  if (clusterId === undefined || clusterId === '') return null;
  const node = fields.get('node.id') ?? fields.get('broker.id');
  if (node === undefined) return { clusterId, nodeId: null };
  if (!/^(0|[1-9][0-9]{0,9})$/.test(node))
    throw new MetaPropertiesFormatError(`node.id '${node}' is not a node id`);
  return { clusterId, nodeId: Number(node) };
}

/** meta.properties of `logDir`, or null when the directory has none (or it names no cluster). */
export async function readMetaProperties(
  fs: LogFileSystem,
  logDir: string,
): Promise<MetaProperties | null> {
  const path = posix.join(logDir, META_PROPERTIES_FILE);
  const invalid = (why: string) =>
    new MetaPropertiesFormatError(`GREGOR_ERR_META_PROPERTIES_INVALID: ${path}: ${why}`);
  const text = await readSmallTextFile(fs, path, SIZE_BYTES_MAX, (size) =>
    invalid(`${size} bytes is too large`),
  );
  try {
    return text === null ? null : decodeMetaProperties(text);
  } catch (err) {
    throw err instanceof MetaPropertiesFormatError ? invalid(err.message) : err;
  }
}

/** Writes the file atomically and durably. */
export function writeMetaProperties(
  fs: LogFileSystem,
  logDir: string,
  p: MetaProperties,
): Promise<void> {
  return replaceFileDurably(fs, posix.join(logDir, META_PROPERTIES_FILE), encodeMetaProperties(p));
}
