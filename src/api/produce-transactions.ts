// The transactional part of a produce, kept apart from produce.ts: a
// transactional batch needs a transactional id in the request, and one that
// would open its producer's transaction on the partition is first verified
// with the transaction's coordinator (KIP-890, transaction.partition.
// verification.enable), so a late write of an ended transaction cannot leave
// a transaction open on the partition for ever.

import { isTransactionalBatch } from '../protocol/control-batch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { BATCH_HEADER_BYTES, readBatchHeader } from '../protocol/record-batch.ts';
import type { Partition, TransactionVerification } from '../replication/partition.ts';
import type { BrokerServices } from './broker-services.ts';

export type TransactionalCheck =
  | { readonly ok: true; readonly verification?: TransactionVerification }
  | { readonly ok: false; readonly errorCode: number; readonly errorMessage: string };

const PASS: TransactionalCheck = { ok: true };

export async function checkTransactionalAppend(
  s: BrokerServices,
  transactionalId: string | null,
  topic: string,
  partition: Partition,
  records: Buffer,
): Promise<TransactionalCheck> {
  // Malformed batches are the partition's to refuse, with the right code.
  if (records.length < BATCH_HEADER_BYTES) return PASS;
  const h = readBatchHeader(records, 0);
  if (h.producerId < 0 || !isTransactionalBatch(h.attributes)) return PASS;
  if (transactionalId === null) {
    return {
      ok: false,
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      errorMessage: 'transactional records need the transactional id in the request',
    };
  }
  const verifier = s.transactionVerifier;
  if (!verifier.enabled || !partition.needsVerification(h.producerId)) return PASS;
  const guard = partition.beginVerification(h.producerId);
  const errorCode = await verifier.verify({
    transactionalId,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    topic,
    partition: partition.index,
  });
  if (errorCode !== ErrorCode.NONE) {
    return {
      ok: false,
      errorCode,
      errorMessage: `partition is not in the ongoing transaction of ${transactionalId}`,
    };
  }
  return { ok: true, verification: { guard } };
}
