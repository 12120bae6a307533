// Retrying an operation while its failures are the passing kind (a leader
// election, a coordinator still loading) and its deadline has not come. Time
// and sleeping are injected so the policy is testable without waiting.

import { ConnectionError, isRetriable, KafkaError } from './errors.ts';

export interface RetryOptions {
  /** Give up once this long has passed since the first attempt. */
  readonly timeoutMs: number;
  readonly backoffMs: number;
  /** Whether a failure may pass on its own; by default retriable Kafka codes. */
  readonly retriable?: (err: unknown) => boolean;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retriable Kafka error codes and lost connections. */
export function isTransient(err: unknown): boolean {
  if (err instanceof KafkaError) return isRetriable(err.code);
  return err instanceof ConnectionError;
}

/** Runs `attempt` until it succeeds, fails for good, or the deadline passes (last error thrown). */
export async function retrying<T>(attempt: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const pause = opts.sleep ?? sleep;
  const retriable = opts.retriable ?? isTransient;
  const deadline = now() + opts.timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!retriable(err) || now() + opts.backoffMs >= deadline) throw err;
      await pause(opts.backoffMs);
    }
  }
}
