// Error codes transaction APIs give older clients: PRODUCER_FENCED (90) only
// exists from InitProducerId v4, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn v2;
// before that Kafka answers INVALID_PRODUCER_EPOCH, which those clients know.

import { ErrorCode } from '../protocol/error-codes.ts';

export function fencedForVersion(errorCode: number, version: number, firstVersion: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < firstVersion
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : errorCode;
}
