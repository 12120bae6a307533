// The answer for one partition whose log failed under a request: a storage
// failure (the log went offline, could not be opened, or the disk is full) is
// the partition's KAFKA_STORAGE_ERROR, as Kafka answers for an offline log
// directory; any other log error carries its own code. Only the failing
// partition gets it: the request and the connection go on for the others. The
// world's failures are one rate-limited warning line per kind; an unexpected
// error is our bug: UNKNOWN_SERVER_ERROR, logged with its stack (rate-limited).

import { LogError } from '../log/errors.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { rateLimited } from '../util/log-rate-limiter.ts';
import type { Logger } from '../util/logger.ts';

export interface PartitionFailure {
  readonly errorCode: number;
  /** For the response's error message: no internals for our own bugs. */
  readonly message: string;
}

export function partitionFailure(
  err: unknown,
  logger: Logger,
  where: { readonly api: string; readonly topic: string; readonly partition: number },
): PartitionFailure {
  const log = rateLimited(logger);
  const fields = { topic: where.topic, partition: where.partition };
  if (err instanceof LogError) {
    log.log(
      'warn',
      `${where.api}:${err.errorName}`,
      { ...fields, reason: err.message },
      `${where.api} on a partition log failed`,
    );
    return { errorCode: err.errorCode, message: err.message };
  }
  log.log('error', `${where.api}:bug`, { ...fields, err }, 'partition request failed');
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: 'unexpected server error' };
}

/** The error code alone, for responses that carry no message. */
export function partitionFailureCode(
  err: unknown,
  logger: Logger,
  where: { readonly api: string; readonly topic: string; readonly partition: number },
): number {
  return partitionFailure(err, logger, where).errorCode;
}
