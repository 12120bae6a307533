// The broker's logger, through pino. JSON lines by default, for log collectors;
// readable lines (util/pretty-log.ts) when the output is a terminal, or when
// GREGOR_LOG_FORMAT=pretty. Level from GREGOR_LOG_LEVEL (default info; tests
// default to warn so their output stays readable). A broker started as a library
// without a logger gets `libraryLogger()`: warnings and errors only, on stderr.

import { pino } from 'pino';
import { prettyDestination } from './pretty-log.ts';

export type Logger = pino.Logger;

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  readonly name?: string;
  /** Default: GREGOR_LOG_LEVEL, else info. */
  readonly level?: string;
  /** Default: GREGOR_LOG_FORMAT, else pretty on a terminal and json elsewhere. */
  readonly format?: LogFormat;
  /** 1 (stdout, the default) or 2 (stderr). */
  readonly fd?: 1 | 2;
  /** Where GREGOR_LOG_LEVEL, GREGOR_LOG_FORMAT and NO_COLOR are read (process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** GREGOR_LOG_FORMAT's value; anything but json or pretty is refused, not guessed at. */
export function parseLogFormat(value: string | undefined): LogFormat | null {
  if (value === undefined || value === '') return null;
  if (value === 'json' || value === 'pretty') return value;
  throw new Error(`GREGOR_ERR_CONFIG_INVALID: GREGOR_LOG_FORMAT=${value}: use json or pretty`);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const name = opts.name ?? 'gregor';
  const level = opts.level ?? env['GREGOR_LOG_LEVEL'] ?? 'info';
  const out = opts.fd === 2 ? process.stderr : process.stdout;
  const format =
    opts.format ?? parseLogFormat(env['GREGOR_LOG_FORMAT']) ?? (out.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    const colors = out.isTTY === true && env['NO_COLOR'] === undefined;
    return pino({ name, level }, prettyDestination(out, { colors, defaultName: name }));
  }
  return opts.fd === 2 ? pino({ name, level }, pino.destination(2)) : pino({ name, level });
}

/**
 * The logger of a broker started in another program's process (`startBroker` with no
 * `logger`): warnings and errors only, on stderr, so a test suite's output stays its own
 * while what needs attention (a failed write of metadata, a corrupt log) still shows.
 * GREGOR_LOG_LEVEL still raises or lowers it for a person debugging.
 */
export function libraryLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return createLogger({ level: env['GREGOR_LOG_LEVEL'] ?? 'warn', fd: 2, env });
}

/** A logger that writes nothing, for library users and tests that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
