// A deliberately broken group coordinator for the simulator's offsets mutation
// test: its services show every __consumer_offsets partition as empty to the
// load (its log ending at 0), so a broker that becomes coordinator serves the
// groups as if nothing had been committed (Kafka's coordinator answering
// OffsetFetch before its load, or without one). Appends go to the real
// partition. The simulator must catch it as a lost commit.

import type { GroupCoordinatorServices } from '../../src/group/group-coordinator.ts';

export function skipOffsetsLoad<S extends GroupCoordinatorServices>(real: S): S {
  return {
    ...real,
    replicas: {
      isFencedFor: (state: { readonly replicas: readonly number[] } | undefined) =>
        real.replicas.isFencedFor(state),
      acquire: async (topic: string, partition: number) => {
        const p = await real.replicas.acquire(topic, partition);
        if (p === undefined) return undefined;
        return {
          log: {
            logStartOffset: 0,
            logEndOffset: 0,
            read: () => Promise.resolve({ records: null }),
          },
          appendAsLeader: (records: Buffer, messageBytesMax: number) =>
            p.appendAsLeader(records, messageBytesMax),
          waitForHighWatermark: (offset: number, timeoutMs: number) =>
            p.waitForHighWatermark(offset, timeoutMs),
        };
      },
    },
  };
}
