// Log lines for a person at a terminal: pino's JSON records turned into
// `12:34:56.789 INFO  Gregor broker started nodeId=0 port=9092`, with an
// error's stack on the lines below. Log collectors get the JSON unchanged
// (util/logger.ts decides which); this is for eyes only, so it may parse the
// line pino just wrote: a terminal never sees enough lines for that to cost.

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

const LEVEL_COLORS: Readonly<Record<number, string>> = {
  10: '\x1b[90m',
  20: '\x1b[36m',
  30: '\x1b[32m',
  40: '\x1b[33m',
  50: '\x1b[31m',
  60: '\x1b[35m',
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** Fields every record has, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

export interface PrettyOptions {
  readonly colors: boolean;
  /** The logger's own name, left out of each line; other names are shown. */
  readonly defaultName?: string;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function clock(ms: unknown): string {
  if (typeof ms !== 'number') return '--:--:--.---';
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function valueText(value: unknown): string {
  if (typeof value === 'string')
    return value === '' || /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** pino's serialised error: `{ type, message, stack, ... }`. */
function errorText(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const stack = (err as { stack?: unknown }).stack;
  if (typeof stack === 'string') return stack;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' ? message : null;
}

/** One record as a readable line (and the stack lines of an error field). */
export function formatLogRecord(record: Record<string, unknown>, o: PrettyOptions): string {
  const levelNumber = typeof record['level'] === 'number' ? record['level'] : 30;
  const levelName = (LEVEL_NAMES[levelNumber] ?? `L${levelNumber}`).padEnd(5);
  const level = o.colors ? `${LEVEL_COLORS[levelNumber] ?? ''}${levelName}${RESET}` : levelName;
  const time = o.colors ? `${DIM}${clock(record['time'])}${RESET}` : clock(record['time']);
  const name = record['name'];
  const who = typeof name === 'string' && name !== (o.defaultName ?? 'gregor') ? `[${name}] ` : '';
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  const fields: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (HEAD_FIELDS.has(key) || value === undefined) continue;
    const stack = key === 'err' || key === 'error' ? errorText(value) : null;
    if (stack !== null) {
      stacks.push(stack);
      continue;
    }
    const k = o.colors ? `${DIM}${key}=${RESET}` : `${key}=`;
    fields.push(`${k}${valueText(value)}`);
  }
  const head = [`${time} ${level} ${who}${msg}`, ...fields].join(' ');
  const tail = stacks.map((s) => `\n    ${s.split('\n').join('\n    ')}`).join('');
  return `${head}${tail}`;
}

/** A pino destination that writes each JSON line it is given as a readable line. */
export function prettyDestination(
  out: { write(text: string): unknown },
  o: PrettyOptions,
): { write(line: string): void } {
  return {
    write(line: string): void {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      if (typeof record !== 'object' || record === null) {
        out.write(line);
        return;
      }
      out.write(`${formatLogRecord(record as Record<string, unknown>, o)}\n`);
    },
  };
}
