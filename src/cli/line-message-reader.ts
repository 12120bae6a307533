// How console-producer turns an input line into a record, following Kafka's
// LineMessageReader: with parse.headers, the line starts with headers
// ("k:v,k2:v2") up to headers.delimiter (tab); with parse.key, the key runs to
// key.separator (tab); the rest is the value. A field equal to null.marker is
// null. A missing separator is an error naming the line, unless ignore.error.
// Pure: a line and its number in, a record (or an error) out.

import type { RecordHeader } from '../client/producer.ts';

export interface LineReaderConfig {
  readonly parseKey: boolean;
  readonly keySeparator: string;
  readonly parseHeaders: boolean;
  readonly headersDelimiter: string;
  readonly headersSeparator: RegExp;
  readonly headersKeySeparator: string;
  readonly ignoreError: boolean;
  readonly nullMarker: string | null;
}

export interface ParsedLine {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
}

/** A line the reader cannot split as configured (Kafka's KafkaException). */
export class LineFormatError extends Error {
  override readonly name = 'LineFormatError';
}

const flag = (props: ReadonlyMap<string, string>, key: string): boolean =>
  (props.get(key) ?? 'false').trim().toLowerCase() === 'true';

/** Reader settings from --property entries, with Kafka's defaults and consistency checks. */
export function lineReaderConfig(props: ReadonlyMap<string, string>): LineReaderConfig {
  const keySeparator = props.get('key.separator') ?? '\t';
  const headersDelimiter = props.get('headers.delimiter') ?? '\t';
  const headersSeparator = props.get('headers.separator') ?? ',';
  const headersKeySeparator = props.get('headers.key.separator') ?? ':';
  const nullMarker = props.get('null.marker') ?? null;
  const distinct: [string, string, string | null, string][] = [
    ['headers.delimiter', 'headers.separator', headersDelimiter, headersSeparator],
    ['headers.delimiter', 'headers.key.separator', headersDelimiter, headersKeySeparator],
    ['headers.separator', 'headers.key.separator', headersSeparator, headersKeySeparator],
    ['null.marker', 'key.separator', nullMarker, keySeparator],
    ['null.marker', 'headers.separator', nullMarker, headersSeparator],
    ['null.marker', 'headers.delimiter', nullMarker, headersDelimiter],
    ['null.marker', 'headers.key.separator', nullMarker, headersKeySeparator],
  ];
  for (const [a, b, va, vb] of distinct) {
    if (va === vb) throw new LineFormatError(`${a} and ${b} may not be equal`);
  }
  return {
    parseKey: flag(props, 'parse.key'),
    keySeparator,
    parseHeaders: flag(props, 'parse.headers'),
    headersDelimiter,
    headersSeparator: new RegExp(headersSeparator),
    headersKeySeparator,
    ignoreError: flag(props, 'ignore.error'),
    nullMarker,
  };
}

/** The text from `start` to `separator`; null when disabled or (with ignore.error) missing. */
function field(
  enabled: boolean,
  line: string,
  start: number,
  separator: string,
  what: string,
  lineNumber: number,
  cfg: LineReaderConfig,
): string | null {
  if (!enabled) return null;
  const at = line.indexOf(separator, start);
  if (at < 0) {
    if (cfg.ignoreError) return null;
    throw new LineFormatError(`No ${what} found on line number ${lineNumber}: '${line}'`);
  }
  return line.slice(start, at);
}

export function parseLine(line: string, lineNumber: number, cfg: LineReaderConfig): ParsedLine {
  const headers = field(
    cfg.parseHeaders,
    line,
    0,
    cfg.headersDelimiter,
    'headers delimiter',
    lineNumber,
    cfg,
  );
  const headerEnd = headers === null ? 0 : headers.length + cfg.headersDelimiter.length;
  const key = field(
    cfg.parseKey,
    line,
    headerEnd,
    cfg.keySeparator,
    'key separator',
    lineNumber,
    cfg,
  );
  const keyEnd = key === null ? 0 : key.length + cfg.keySeparator.length;
  const value = line.slice(headerEnd + keyEnd);
  const orNull = (s: string | null): Buffer | null =>
    s === null || s === cfg.nullMarker ? null : Buffer.from(s, 'utf8');
  return {
    key: orNull(key),
    value: orNull(value),
    headers:
      headers === null || headers === cfg.nullMarker ? [] : splitHeaders(headers, lineNumber, cfg),
  };
}

function splitHeaders(text: string, lineNumber: number, cfg: LineReaderConfig): RecordHeader[] {
  return text.split(cfg.headersSeparator).map((pair) => {
    const at = pair.indexOf(cfg.headersKeySeparator);
    if (at < 0) {
      if (cfg.ignoreError) return { key: pair, value: null };
      throw new LineFormatError(
        `No header key separator found in pair '${pair}' on line number ${lineNumber}`,
      );
    }
    const key = pair.slice(0, at);
    if (key === cfg.nullMarker) {
      throw new LineFormatError(
        `Header keys should not be equal to the null marker '${cfg.nullMarker}' as they can't be null`,
      );
    }
    const value = pair.slice(at + cfg.headersKeySeparator.length);
    return { key, value: value === cfg.nullMarker ? null : Buffer.from(value, 'utf8') };
  });
}
