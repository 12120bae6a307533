// The errors Gregor's client raises: a broker's error code (KafkaError from the
// protocol table, carrying the broker's message when it sent one), a connection
// that could not be made or broke, and a request or operation that ran past its
// deadline. Each message is one line a command can print as it is.

import { ErrorCode, type ErrorCodeValue, errorInfo, KafkaError } from '../protocol/error-codes.ts';

export { ErrorCode, KafkaError };

/** A TCP connection that could not be opened, or closed under an outstanding request. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly address: string,
    message: string,
  ) {
    super(message);
  }
}

/** A connect, a request or a whole operation that did not finish within its limit. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The broker speaks no version of an API that this client also speaks. */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError';
}

/**
 * A KafkaError for a response's error code: the broker's own message when it
 * sent one (Kafka's exceptions carry it, e.g. "Topic 't' already exists."),
 * else the table's description.
 */
export function kafkaError(code: number, message?: string | null): KafkaError {
  const text = message ?? errorInfo(code)?.message ?? `Kafka error code ${code}`;
  return new KafkaError(code as ErrorCodeValue, text);
}

/** Throws for a non-zero error code. */
export function throwIfError(code: number, message?: string | null): void {
  if (code !== ErrorCode.NONE) throw kafkaError(code, message);
}

/** True for codes after which the same request may succeed once metadata is refreshed. */
export function isRetriable(code: number): boolean {
  return errorInfo(code)?.retriable ?? false;
}

/** Kafka's error name for a code, e.g. TOPIC_ALREADY_EXISTS. */
export function errorName(code: number): string {
  return errorInfo(code)?.name ?? `UNKNOWN_CODE_${code}`;
}
