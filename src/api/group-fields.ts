// Small conversions the group API handlers share: protocol byte fields from
// the group machine's Uint8Arrays (no copy), the client host as Kafka shows it,
// and the "authorized operations not requested" marker.

import type { RequestContext } from './handler.ts';

/** Kafka's Int.MinValue: the authorized operations were not asked for. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** A Buffer view of the bytes (the codec's type for byte fields). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** "/<ip>", as Kafka reports a member's host (the connection's address without its port). */
export function clientHostOf(ctx: RequestContext): string {
  const address = ctx.remoteAddress;
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon) : address;
  return `/${host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host}`;
}
