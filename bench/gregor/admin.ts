// The few Kafka requests a benchmark needs around its measurements, sent with the
// tests' raw client: create a topic before the timed produce (so it does not include
// auto-creation), wait until a replicated partition has a leader and a full ISR, read a
// partition's end offset to check that every produced message arrived, and delete a
// topic whose data is no longer needed.

import { CreateTopics } from '../../src/protocol/apis/create-topics.ts';
import { DeleteTopics } from '../../src/protocol/apis/delete-topics.ts';
import { ListOffsets } from '../../src/protocol/apis/list-offsets.ts';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { RawClient } from '../../test/harness/raw-client.ts';

const LATEST_TIMESTAMP = -1;

async function withClient<T>(bootstrap: string, use: (c: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(bootstrap);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

export async function createTopic(
  bootstrap: string,
  name: string,
  replicationFactor = 1,
  configs: Readonly<Record<string, string>> = {},
): Promise<void> {
  const created = await withClient(bootstrap, (c) =>
    c.send(CreateTopics, 5, {
      topics: [
        {
          name,
          numPartitions: 1,
          replicationFactor,
          assignments: [],
          configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })),
        },
      ],
      timeoutMs: 15_000,
      validateOnly: false,
    }),
  );
  const code = created.topics[0]?.errorCode;
  if (code !== ErrorCode.NONE) throw new Error(`CreateTopics ${name}: error code ${code}`);
}

/** Deletes `name` (DeleteTopics v5, by name); its log files go with it. */
export async function deleteTopic(bootstrap: string, name: string): Promise<void> {
  const deleted = await withClient(bootstrap, (c) =>
    c.send(DeleteTopics, 5, { topics: [], topicNames: [name], timeoutMs: 15_000 }),
  );
  const code = deleted.responses[0]?.errorCode;
  if (code !== ErrorCode.NONE) throw new Error(`DeleteTopics ${name}: error code ${code}`);
}

/** Leader and ISR of partition 0 of `topic` as `bootstrap` sees them; null if unknown. */
async function partitionState(
  bootstrap: string,
  topic: string,
): Promise<{ leader: number; isr: readonly number[] } | null> {
  const metadata = await withClient(bootstrap, (c) =>
    c.send(Metadata, 9, {
      topics: [{ topicId: '', name: topic }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }),
  );
  const partition = metadata.topics[0]?.partitions.find((p) => p.partitionIndex === 0);
  if (partition === undefined || partition.errorCode !== ErrorCode.NONE) return null;
  return { leader: partition.leaderId, isr: partition.isrNodes };
}

/** Waits until every broker reports partition 0 led and with `isrSize` in sync. */
export async function waitForPartition(
  bootstraps: readonly string[],
  topic: string,
  isrSize: number,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(bootstraps.map((b) => partitionState(b, topic)));
    const first = states[0];
    const agreed =
      first !== null &&
      first !== undefined &&
      first.leader >= 0 &&
      states.every((s) => s !== null && s.leader === first.leader && s.isr.length === isrSize);
    if (agreed) return first.leader;
    if (Date.now() > deadline) throw new Error(`${topic}: no leader with ISR ${isrSize} in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The high watermark of partition 0 of `topic` (ListOffsets latest). */
export async function endOffset(bootstrap: string, topic: string): Promise<number> {
  const listed = await withClient(bootstrap, (c) =>
    c.send(ListOffsets, 1, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: topic,
          partitions: [
            {
              partitionIndex: 0,
              currentLeaderEpoch: -1,
              timestamp: LATEST_TIMESTAMP,
              maxNumOffsets: 1,
            },
          ],
        },
      ],
    }),
  );
  const partition = listed.topics[0]?.partitions[0];
  if (partition === undefined || partition.errorCode !== ErrorCode.NONE) {
    throw new Error(`ListOffsets ${topic}: error code ${partition?.errorCode}`);
  }
  return partition.offset;
}

/**
 * Waits until partition 0's high watermark reaches `count`: every produced message is
 * there (with acks=1 on a replicated topic the followers may still be catching up).
 */
export async function waitForEndOffset(
  bootstrap: string,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const end = await endOffset(bootstrap, topic);
    if (end === count) return;
    if (end > count || Date.now() > deadline) {
      throw new Error(`${topic}: high watermark ${end}, expected ${count} messages`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
