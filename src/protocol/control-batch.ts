// Transaction markers as they sit in a partition log: a control batch
// (attributes transactional | control, baseSequence -1) with one record whose
// key is a ControlRecordType (version int16, type int16: 0 abort, 1 commit)
// and whose value is an EndTransactionMarker (version int16, coordinator epoch
// int32), byte-compatible with Kafka. Also reads the marker back out of a
// stored control batch, which the broker needs to keep transaction state.

import { DecodeError, Reader } from './reader.ts';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  type BatchHeader,
  COMPRESSION_MASK,
  readBatchHeader,
} from './record-batch.ts';
import { buildRecordBatchSync, decodeRecords } from './records.ts';

export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;
const CONTROL_KEY_VERSION = 0;
const MARKER_VALUE_VERSION = 0;

export interface TransactionMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly commit: boolean;
  readonly coordinatorEpoch: number;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

export function isTransactionalBatch(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0;
}

/** A complete, CRC-correct control batch holding one commit or abort marker. */
export function buildMarkerBatch(marker: TransactionMarker, timestampMs: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(marker.commit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(MARKER_VALUE_VERSION, 0);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  return buildRecordBatchSync({
    records: [{ key, value }],
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: -1,
    transactional: true,
    isControl: true,
    timestampMs,
  });
}

/**
 * The marker in the control batch at `at` (commit or abort, and the
 * coordinator epoch), or null when the batch is not a transaction marker
 * (another control type, compressed, or undecodable: Kafka never writes
 * those, and we skip them rather than fail a log).
 */
export function readMarker(buf: Buffer, at = 0): TransactionMarker | null {
  const h = readBatchHeader(buf, at);
  if (!isControlBatch(h.attributes) || (h.attributes & COMPRESSION_MASK) !== 0) return null;
  return markerOf(h, buf.subarray(at + BATCH_HEADER_BYTES, at + h.sizeBytes));
}

function markerOf(h: BatchHeader, section: Buffer): TransactionMarker | null {
  try {
    const records = decodeRecords(section, h);
    const key = records[0]?.key;
    if (records.length !== 1 || key === null || key === undefined || key.length < 4) return null;
    const type = new Reader(key.subarray(2, 4)).int16();
    if (type !== CONTROL_TYPE_ABORT && type !== CONTROL_TYPE_COMMIT) return null;
    const value = records[0]?.value;
    const coordinatorEpoch =
      value !== null && value !== undefined && value.length >= 6 ? value.readInt32BE(2) : -1;
    return {
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      commit: type === CONTROL_TYPE_COMMIT,
      coordinatorEpoch,
    };
  } catch (err) {
    if (err instanceof DecodeError || (err instanceof Error && err.name === 'CorruptRecordError'))
      return null;
    throw err;
  }
}
