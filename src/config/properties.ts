// Parser for Java .properties text, the format of Kafka's server.properties, so an operator's
// existing file reads the same here. It follows java.util.Properties.load: `#`/`!` comment
// lines, `key=value`, `key: value` or `key value`, backslash line continuation, and the
// escapes \t \n \r \f \uXXXX. It only turns text into (key, value, line) triples; knowing
// which keys exist is config-def's job. Unlike Properties.load(InputStream), the caller reads
// the file as UTF-8, which is what people write today.

import { ConfigError } from './config-error.ts';

export interface PropertyEntry {
  readonly key: string;
  /** The value with escapes resolved and leading whitespace removed; trailing kept, as Java. */
  readonly value: string;
  /** 1-based line on which the logical line starts. */
  readonly line: number;
}

interface LogicalLine {
  readonly text: string;
  readonly line: number;
}

const BYTE_ORDER_MARK = '\uFEFF';

/** Parses properties text; throws ConfigError GREGOR_ERR_CONFIG_SYNTAX naming `source:line`. */
export function parseProperties(text: string, source = 'properties'): PropertyEntry[] {
  const body = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  const entries: PropertyEntry[] = [];
  for (const logical of logicalLines(body.split(/\r\n|\r|\n/))) {
    const where = `${source}:${logical.line}`;
    const { rawKey, rawValue } = splitKeyValue(logical.text);
    const key = resolveEscapes(rawKey, where);
    if (key === '') {
      throw new ConfigError('GREGOR_ERR_CONFIG_SYNTAX', `${where}: a property has an empty key`, {
        where,
      });
    }
    entries.push({ key, value: resolveEscapes(rawValue, where), line: logical.line });
  }
  return entries;
}

function isPropertiesWhitespace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\f';
}

function stripLeadingWhitespace(text: string): string {
  let start = 0;
  while (isPropertiesWhitespace(text[start])) start += 1;
  return text.slice(start);
}

/** True when the line ends in an odd number of backslashes, i.e. it continues. */
function continues(text: string): boolean {
  let count = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i -= 1) count += 1;
  return count % 2 === 1;
}

/** Joins continued natural lines; drops blank and comment lines (a continuation is never one). */
function logicalLines(naturalLines: readonly string[]): LogicalLine[] {
  const result: LogicalLine[] = [];
  let index = 0;
  while (index < naturalLines.length) {
    const line = index + 1;
    let text = stripLeadingWhitespace(naturalLines[index] ?? '');
    index += 1;
    if (text === '' || text.startsWith('#') || text.startsWith('!')) continue;
    while (continues(text)) {
      text = text.slice(0, -1);
      if (index >= naturalLines.length) break;
      text += stripLeadingWhitespace(naturalLines[index] ?? '');
      index += 1;
    }
    result.push({ text, line });
  }
  return result;
}

/** The key ends at the first unescaped `=`, `:` or whitespace; one separator may follow. */
function splitKeyValue(text: string): { rawKey: string; rawValue: string } {
  let end = 0;
  while (end < text.length) {
    const char = text[end];
    if (char === '\\') {
      end += 2;
      continue;
    }
    if (char === '=' || char === ':' || isPropertiesWhitespace(char)) break;
    end += 1;
  }
  const rawKey = text.slice(0, Math.min(end, text.length));
  let rest = stripLeadingWhitespace(text.slice(rawKey.length));
  if (rest.startsWith('=') || rest.startsWith(':')) rest = stripLeadingWhitespace(rest.slice(1));
  return { rawKey, rawValue: rest };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function resolveEscapes(raw: string, where: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const char = raw[i] ?? '';
    if (char !== '\\') {
      out += char;
      i += 1;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) break; // a lone trailing backslash is dropped, as Java does
    if (next === 'u') {
      out += unicodeEscape(raw.slice(i + 2, i + 6), where);
      i += 6;
      continue;
    }
    out += SIMPLE_ESCAPES[next] ?? next;
    i += 2;
  }
  return out;
}

function unicodeEscape(hex: string, where: string): string {
  if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
    throw new ConfigError('GREGOR_ERR_CONFIG_SYNTAX', `${where}: malformed \\uXXXX escape`, {
      where,
    });
  }
  return String.fromCharCode(Number.parseInt(hex, 16));
}
