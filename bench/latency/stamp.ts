// The latency payload: every message of a latency run carries its send time, its
// sequence number and whether it is a readiness probe, a warm-up message or a measured
// one, in its first 16 bytes; the rest is filler up to the message size.

/** The smallest message a latency run can send. */
export const STAMP_BYTES = 16;

export const MessageKind = { PROBE: 0, WARMUP: 1, MEASURED: 2 } as const;
export type MessageKindValue = (typeof MessageKind)[keyof typeof MessageKind];

export interface Stamp {
  /** performance.now() of the sender just before the send call, ms. */
  readonly sentMs: number;
  readonly sequence: number;
  readonly kind: MessageKindValue;
}

/** A message of `sizeBytes` with room for a stamp; the filler is 'x' so text clients see text. */
export function blankMessage(sizeBytes: number): Buffer {
  if (sizeBytes < STAMP_BYTES)
    throw new Error(`latency messages need at least ${STAMP_BYTES} bytes`);
  return Buffer.alloc(sizeBytes, 0x78);
}

/** Writes sequence and kind (before the send time is known). */
export function writeIdentity(message: Buffer, sequence: number, kind: MessageKindValue): void {
  message.writeUInt32LE(sequence, 8);
  message.writeUInt8(kind, 12);
}

/** Writes the send time, the last thing done before the send call. */
export function writeSentMs(message: Buffer, sentMs: number): void {
  message.writeDoubleLE(sentMs, 0);
}

/** Reads a stamp; null for anything that is not one of ours (too short, unknown kind). */
export function readStamp(message: Uint8Array): Stamp | null {
  if (message.byteLength < STAMP_BYTES) return null;
  const view = new DataView(message.buffer, message.byteOffset, STAMP_BYTES);
  const kind = view.getUint8(12);
  if (kind !== MessageKind.PROBE && kind !== MessageKind.WARMUP && kind !== MessageKind.MEASURED) {
    return null;
  }
  return { sentMs: view.getFloat64(0, true), sequence: view.getUint32(8, true), kind };
}
