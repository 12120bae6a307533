// How console-consumer prints a record, following Kafka's DefaultMessageFormatter:
// optional fields in the order timestamp ("CreateTime:<ms>"), "Partition:<p>",
// "Offset:<o>", headers ("k:v,k2:v2" or "NO_HEADERS"), key, value, each joined
// by key.separator (default tab) and ended by line.separator (default newline);
// null keys and values print null.literal ("null"). Keys and values are
// written as their raw bytes. Pure: properties in, bytes out.

import type { ConsumedRecord } from '../client/fetcher.ts';

export interface FormatterConfig {
  readonly printTimestamp: boolean;
  readonly printKey: boolean;
  readonly printValue: boolean;
  readonly printPartition: boolean;
  readonly printOffset: boolean;
  readonly printHeaders: boolean;
  readonly keySeparator: Buffer;
  readonly lineSeparator: Buffer;
  readonly headersSeparator: Buffer;
  readonly nullLiteral: Buffer;
}

const bool = (props: ReadonlyMap<string, string>, key: string, fallback: boolean): boolean => {
  const v = props.get(key);
  return v === undefined ? fallback : v.trim().toLowerCase() === 'true';
};

const bytes = (props: ReadonlyMap<string, string>, key: string, fallback: string): Buffer =>
  Buffer.from(props.get(key) ?? fallback, 'utf8');

/** The formatter settings from --property entries, with Kafka's defaults. */
export function formatterConfig(props: ReadonlyMap<string, string>): FormatterConfig {
  return {
    printTimestamp: bool(props, 'print.timestamp', false),
    printKey: bool(props, 'print.key', false),
    printValue: bool(props, 'print.value', true),
    printPartition: bool(props, 'print.partition', false),
    printOffset: bool(props, 'print.offset', false),
    printHeaders: bool(props, 'print.headers', false),
    keySeparator: bytes(props, 'key.separator', '\t'),
    lineSeparator: bytes(props, 'line.separator', '\n'),
    headersSeparator: bytes(props, 'headers.separator', ','),
    nullLiteral: bytes(props, 'null.literal', 'null'),
  };
}

/** The bytes printed for one record. */
export function formatRecord(r: ConsumedRecord, cfg: FormatterConfig): Buffer {
  const fields: Buffer[] = [];
  if (cfg.printTimestamp) fields.push(Buffer.from(`${r.timestampType}:${r.timestampMs}`));
  if (cfg.printPartition) fields.push(Buffer.from(`Partition:${r.partition}`));
  if (cfg.printOffset) fields.push(Buffer.from(`Offset:${r.offset}`));
  if (cfg.printHeaders) fields.push(headersField(r, cfg));
  if (cfg.printKey) fields.push(r.key ?? cfg.nullLiteral);
  if (cfg.printValue) fields.push(r.value ?? cfg.nullLiteral);
  // Kafka writes nothing at all when every field is switched off.
  if (fields.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  fields.forEach((f, i) => {
    if (i > 0) parts.push(cfg.keySeparator);
    parts.push(f);
  });
  parts.push(cfg.lineSeparator);
  return Buffer.concat(parts);
}

function headersField(r: ConsumedRecord, cfg: FormatterConfig): Buffer {
  if (r.headers.length === 0) return Buffer.from('NO_HEADERS');
  const parts: Buffer[] = [];
  r.headers.forEach((h, i) => {
    if (i > 0) parts.push(cfg.headersSeparator);
    parts.push(Buffer.from(`${h.key}:`), h.value ?? cfg.nullLiteral);
  });
  return Buffer.concat(parts);
}
