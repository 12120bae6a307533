// The Node.js client side of Gregor's throughput benchmark, run as its own process so it
// has a core's worth of event loop to itself: @platformatic/kafka producing COUNT
// messages of SIZE bytes as fast as it can, or consuming them from the start of the
// topic. Prints one JSON line {messages, seconds, cpuSeconds}; the clock starts once the
// client is connected (the producer has the topic's metadata, the consumer has joined its group).
//
//   node --import tsx bench/gregor/node-client.ts produce --bootstrap H:P --topic T \
//     --messages 300000 --bytes 1024 --acks 1
//   node --import tsx bench/gregor/node-client.ts consume --bootstrap H:P --topic T --messages N

import { performance } from 'node:perf_hooks';
import { Consumer, Producer } from '@platformatic/kafka';
import { numberFlag, parseFlags } from '../lib/processes.ts';

/**
 * Its send() writes one ProduceRequest per call and does not linger, so batching is the
 * caller's: ~1 MB of messages per send (librdkafka's request size in the kcat runs) and
 * 5 sends in flight (the connection's limit, as max.in.flight for kcat).
 */
const REQUEST_BYTES = 1_000_000;
const SENDS_IN_FLIGHT = 5;
/** Fetch sizes as the kcat consumer's: 8 MiB per partition per request. */
const FETCH_BYTES = 8 * 1024 * 1024;

interface ClientFigures {
  readonly messages: number;
  readonly seconds: number;
  /** This process's CPU over the timed part, seconds. */
  readonly cpuSeconds: number;
}

/** Starts the clock and the CPU count; the returned function reads both. */
function stopwatch(): (messages: number) => ClientFigures {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return (messages) => {
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    return { messages, seconds: (performance.now() - started) / 1000, cpuSeconds };
  };
}

async function produce(
  bootstrap: string,
  topic: string,
  count: number,
  bytes: number,
  acks: number,
): Promise<ClientFigures> {
  const producer = new Producer({
    clientId: 'bench-node-producer',
    bootstrapBrokers: [bootstrap],
    acks,
  });
  try {
    await producer.metadata({ topics: [topic] });
    const value = Buffer.alloc(bytes, 0x78);
    const perSend = Math.max(1, Math.floor(REQUEST_BYTES / (bytes + 20)));
    let queued = 0;
    const stop = stopwatch();
    const sendNext = async (): Promise<void> => {
      while (queued < count) {
        const n = Math.min(perSend, count - queued);
        queued += n;
        const messages = Array.from({ length: n }, () => ({ topic, value, partition: 0 }));
        await producer.send({ messages });
      }
    };
    await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, sendNext));
    return stop(count);
  } finally {
    await producer.close();
  }
}

async function consume(bootstrap: string, topic: string, count: number): Promise<ClientFigures> {
  const consumer = new Consumer({
    clientId: 'bench-node-consumer',
    groupId: `bench-node-${process.pid}-${Date.now()}`,
    bootstrapBrokers: [bootstrap],
    maxBytes: FETCH_BYTES * 8,
    maxBytesPerPartition: FETCH_BYTES,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const stop = stopwatch();
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('data', () => {
        if (++received === count) resolve();
      });
      stream.once('error', reject);
    });
    const figures = stop(received);
    await stream.close();
    return figures;
  } finally {
    await consumer.close(true);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [mode, ...rest] = argv;
  const flags = parseFlags(rest);
  const bootstrap = flags.get('bootstrap');
  const topic = flags.get('topic');
  if (bootstrap === undefined || topic === undefined) throw new Error('--bootstrap and --topic');
  const count = numberFlag(flags, 'messages', 100_000);
  let figures: ClientFigures;
  if (mode === 'produce') {
    const acks = flags.get('acks') === 'all' ? -1 : 1;
    figures = await produce(bootstrap, topic, count, numberFlag(flags, 'bytes', 1024), acks);
  } else if (mode === 'consume') {
    figures = await consume(bootstrap, topic, count);
  } else {
    throw new Error('usage: node-client.ts produce|consume --bootstrap H:P --topic T ...');
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
