// What a partition holds, batch by batch, read back with a raw Fetch: each
// batch's header as stored (attributes with the codec bits, producer id and
// epoch, record count). Tests use it to check what a client's batches became
// on the broker, not what a client library reports about them.

import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { type BatchHeader, readBatchHeader } from '../../src/protocol/record-batch.ts';
import { fetchV11 } from './partition-wire.ts';
import type { RawClient } from './raw-client.ts';

/** Every batch of topic-partition from offset 0, in log order (Fetch v11, read uncommitted). */
export async function storedBatches(
  raw: RawClient,
  topic: string,
  partition: number,
): Promise<BatchHeader[]> {
  const batches: BatchHeader[] = [];
  let offset = 0;
  for (;;) {
    const p = await fetchV11(raw, topic, partition, offset, 16 * 1024 * 1024);
    if (p === null || p.errorCode !== ErrorCode.NONE) {
      throw new Error(`fetch ${topic}-${partition}@${offset}: error ${p?.errorCode}`);
    }
    const records = p.records;
    let at = 0;
    const before = batches.length;
    while (at + 12 <= records.length) {
      const size = records.readInt32BE(at + 8) + 12;
      if (at + size > records.length) break;
      const header = readBatchHeader(records, at);
      batches.push(header);
      offset = header.baseOffset + header.lastOffsetDelta + 1;
      at += size;
    }
    if (batches.length === before || offset >= Number(p.highWatermark)) return batches;
  }
}
