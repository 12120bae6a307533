// The broker's logger: JSON lines through pino. Level from GREGOR_LOG_LEVEL
// (default info; tests default to warn so their output stays readable).

import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(opts: { name?: string; level?: string } = {}): Logger {
  const level = opts.level ?? process.env['GREGOR_LOG_LEVEL'] ?? 'info';
  return pino({ name: opts.name ?? 'gregor', level });
}

/** A logger that writes nothing, for library users and tests that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
