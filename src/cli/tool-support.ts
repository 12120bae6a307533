// What the Kafka-style tools (`gregor topics`, `console-producer`, ...) share:
// the --bootstrap-server and --output options, repeatable key=value options,
// a client built from them, and the run wrapper that turns any failure into
// ONE line on stderr and a non-zero exit, never a stack trace.

import type { Command } from 'commander';
import {
  ConnectionError,
  KafkaError,
  TimeoutError,
  UnsupportedVersionError,
} from '../client/errors.ts';
import { KafkaClient } from '../client/kafka-client.ts';
import { clientSecurityOptions, readCommandConfig } from './command-config.ts';

export const DEFAULT_BOOTSTRAP = 'localhost:9092';

export interface CommonToolOptions {
  readonly bootstrapServer: string;
  /** A Kafka client properties file: security.protocol, sasl.*, ssl.* (and others, ignored). */
  readonly commandConfig?: string;
}

export type OutputFormat = 'text' | 'json';

/** A mistake in the command line itself: printed as it is, like Kafka's usage errors. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure already reported on stderr: exit 1 without printing more. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure';
}

/** Appends one value of a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addBootstrapOption(cmd: Command): Command {
  return cmd
    .option(
      '--bootstrap-server <servers>',
      'the broker(s) to connect to, host:port[,host:port...]',
      DEFAULT_BOOTSTRAP,
    )
    .option(
      '--command-config <file>',
      'Kafka client properties to connect with: security.protocol, sasl.mechanism, ' +
        'sasl.jaas.config, ssl.*',
    );
}

export function addOutputOption(cmd: Command): Command {
  return cmd.option('--output <format>', 'text (Kafka tool format) or json', 'text');
}

export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`Unknown --output format '${value}': use text or json`);
}

/** Parses "k=v" entries (each may hold several, comma-separated, when `splitCommas`). */
export function parseKeyValues(
  entries: readonly string[],
  what: string,
  splitCommas = false,
): Map<string, string> {
  const out = new Map<string, string>();
  const parts = splitCommas ? entries.flatMap((e) => e.split(',')) : entries;
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid ${what} '${part}': expected the format "key=val"`);
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** An integer option value, with joptsimple's wording when it is not one. */
export function parseInteger(value: string, option: string): number {
  if (!/^-?\d+$/.test(value.trim())) {
    throw new UsageError(`Cannot parse argument '${value}' of option ${option}`);
  }
  return Number(value);
}

export function clientFor(
  opts: CommonToolOptions,
  clientId: string,
  overrides: { readonly requestTimeoutMs?: number } = {},
): KafkaClient {
  const servers = opts.bootstrapServer.split(',').filter((s) => s.trim() !== '');
  const security =
    opts.commandConfig === undefined
      ? {}
      : clientSecurityOptions(readCommandConfig(opts.commandConfig));
  return new KafkaClient({ bootstrapServers: servers, clientId, ...overrides, ...security });
}

/** The text a failure prints: the broker's or the system's own sentence, nothing more. */
export function errorText(err: unknown): string {
  if (err instanceof KafkaError) return err.message;
  if (
    err instanceof ConnectionError ||
    err instanceof TimeoutError ||
    err instanceof UnsupportedVersionError ||
    err instanceof UsageError
  ) {
    return err.message;
  }
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

/**
 * Runs a tool's action: on failure prints one line (`prefix` + the error; usage
 * errors without the prefix) to stderr and exits 1. Exits explicitly when done,
 * so an idle socket or timer can never keep a finished command alive.
 */
export async function runTool(prefix: string, action: () => Promise<void>): Promise<never> {
  let code = 0;
  try {
    await action();
  } catch (err) {
    const line = err instanceof UsageError ? err.message : `${prefix}${errorText(err)}`;
    if (!(err instanceof ReportedFailure)) process.stderr.write(`${line}\n`);
    code = 1;
  }
  process.exit(code);
}

/** Text of a JSON document, as --output json prints it. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
