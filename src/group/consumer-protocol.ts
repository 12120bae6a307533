// Reads the topics out of a member's "consumer" protocol subscription bytes
// (ConsumerProtocolSubscription). Only the version-0 prefix is read, as Kafka's
// coordinator does, since every later version starts with it; OffsetDelete needs
// these topics to refuse deleting offsets a live member still consumes.

import { DecodeError, Reader } from '../protocol/reader.ts';

/** The protocol type of groups formed by Kafka consumers. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The subscribed topics, or null when the bytes do not follow the consumer protocol. */
export function decodeSubscriptionTopics(bytes: Uint8Array): string[] | null {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf);
  try {
    const version = r.int16();
    if (version < 0) return null;
    const count = r.arrayLength();
    if (count < 0) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) topics.push(r.string());
    // user_data closes the version-0 schema; Kafka fails the parse without it.
    r.nullableBytes();
    return topics;
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}
