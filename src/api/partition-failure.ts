// The answer for one partition whose log failed under a request: a storage
// failure (the log went offline, or could not be opened) is the partition's
// KAFKA_STORAGE_ERROR, as Kafka answers for an offline log directory; any
// other log error carries its own code. Only the failing partition gets it:
// the request and the connection go on for the others. An unexpected error
// is our bug: UNKNOWN_SERVER_ERROR, logged at a bounded rate.

import { LogError } from '../log/errors.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { LogRateLimiter } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';

const unexpectedLogLimiter = new LogRateLimiter(20, 10_000);

export function partitionFailureCode(
  err: unknown,
  logger: Logger,
  where: { readonly api: string; readonly topic: string; readonly partition: number },
): number {
  if (err instanceof LogError) return err.errorCode;
  if (
    unexpectedLogLimiter.allow((count) => logger.error({ count }, 'partition failures not logged'))
  ) {
    logger.error({ err, ...where }, 'partition request failed');
  }
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}
