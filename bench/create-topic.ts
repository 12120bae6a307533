// Creates one topic on a running broker (CreateTopics v5) for the benchmark, so
// the timed produce does not include auto-creation. kcat has no admin command,
// hence this helper. Usage: node --import tsx bench/create-topic.ts HOST:PORT TOPIC [PARTITIONS]

import { CreateTopics } from '../src/protocol/apis/create-topics.ts';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { RawClient } from '../test/harness/raw-client.ts';

async function main(argv: readonly string[]): Promise<void> {
  const [bootstrap, name, partitionsArg] = argv;
  if (bootstrap === undefined || name === undefined) {
    throw new Error('usage: create-topic.ts HOST:PORT TOPIC [PARTITIONS]');
  }
  const numPartitions = Number(partitionsArg ?? '1');
  const client = await RawClient.connect(bootstrap);
  try {
    const created = await client.send(CreateTopics, 5, {
      topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const code = created.topics[0]?.errorCode;
    if (code !== ErrorCode.NONE) throw new Error(`CreateTopics ${name}: error code ${code}`);
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
