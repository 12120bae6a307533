// Kafka's mapping of a coordinator key (group id, transactional id) to a
// partition of its internal topic: Utils.abs(key.hashCode) % partitions, with
// Java's String.hashCode. Shared by the group and transaction coordinators,
// which must agree with Kafka's clients and tools on where a key lives.

/** Java's String.hashCode: over UTF-16 code units, with 32-bit overflow. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's `Utils.abs(key.hashCode) % numPartitions`. */
export function partitionForKey(key: string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  const h = javaStringHashCode(key);
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 rather than overflowing.
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % numPartitions;
}
