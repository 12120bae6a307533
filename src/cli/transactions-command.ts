// `gregor transactions`: kafka-transactions.sh's commands, flags and table
// output (each column padded to its widest value, every cell followed by a
// tab). list; describe --transactional-id; describe-producers --topic
// --partition [--broker-id]; abort --topic --partition with --start-offset,
// or --producer-id --producer-epoch --coordinator-epoch; find-hanging
// (--broker-id and/or --topic [--partition], --max-transaction-timeout in
// minutes, default 15). Failures print Kafka's sentence and exit 1.

import type { Command } from 'commander';
import {
  abortTransaction,
  describeProducers,
  describeTransaction,
  findHangingTransactions,
  listTransactions,
} from '../client/transactions.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  errorText,
  parseInteger,
  ReportedFailure,
  runTool,
  UsageError,
} from './tool-support.ts';

const DEBUG_HINT = ' Enable debug logging for additional detail.';
const MAX_TRANSACTION_TIMEOUT_MINUTES_DEFAULT = '15';

/** Kafka's prettyPrintTable: columns padded to the widest cell, each cell followed by a tab. */
export function formatTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => `${c.padEnd(widths[i] ?? 0)}\t`).join('');
  return [headers, ...rows].map((r) => `${line(r)}\n`).join('');
}

/** Runs `step`; a failure becomes Kafka's "<what>: <cause>. Enable debug logging..." line. */
async function failing<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ReportedFailure) throw err;
    process.stderr.write(`${what}: ${errorText(err)}.${DEBUG_HINT}\n`);
    throw new ReportedFailure(what);
  }
}

function optional(value: string | undefined, option: string): number | undefined {
  return value === undefined ? undefined : parseInteger(value, option);
}

function required(value: string | undefined, option: string): number {
  if (value === undefined) throw new UsageError(`Missing required argument --${option}`);
  return parseInteger(value, option);
}

export function addTransactionsCommand(program: Command): void {
  const cmd = program
    .command('transactions')
    .description(
      'Analyze the transactional state of producers; detect and recover from hanging ' +
        'transactions (kafka-transactions.sh)',
    );
  addBootstrapOption(cmd);
  const common = (sub: Command): CommonToolOptions => sub.optsWithGlobals<CommonToolOptions>();

  cmd
    .command('list')
    .description('list transactions')
    .action((_opts, sub: Command) =>
      runTool('', async () => {
        const client = clientFor(common(sub), 'gregor-transactions');
        try {
          const listings = await failing('Failed to list transactions', () =>
            listTransactions(client),
          );
          const rows = listings.map((l) => [
            l.transactionalId,
            String(l.coordinatorId),
            String(l.producerId),
            l.state,
          ]);
          process.stdout.write(
            formatTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows),
          );
        } finally {
          client.close();
        }
      }),
    );

  cmd
    .command('describe')
    .description('describe the state of an active transactional-id')
    .option('--transactional-id <id>', 'transactional id')
    .action((opts: { transactionalId?: string }, sub: Command) =>
      runTool('', async () => {
        const id = opts.transactionalId;
        if (id === undefined) throw new UsageError('Missing required argument --transactional-id');
        const client = clientFor(common(sub), 'gregor-transactions');
        try {
          const d = await failing(
            `Failed to describe transaction state of transactional-id \`${id}\``,
            () => describeTransaction(client, id),
          );
          const started = d.startTimeMs >= 0;
          const row = [
            String(d.coordinatorId),
            id,
            String(d.producerId),
            String(d.producerEpoch),
            d.state,
            String(d.timeoutMs),
            started ? String(d.startTimeMs) : 'None',
            started ? String(Date.now() - d.startTimeMs) : 'None',
            d.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(','),
          ];
          process.stdout.write(formatTable(DESCRIBE_HEADERS, [row]));
        } finally {
          client.close();
        }
      }),
    );

  cmd
    .command('describe-producers')
    .description('describe the states of active producers for a topic partition')
    .option(
      '--broker-id <id>',
      'optional broker id to describe the producer state on a specific replica',
    )
    .option('--topic <topic>', 'topic name')
    .option('--partition <partition>', 'partition number')
    .action((opts: { brokerId?: string; topic?: string; partition?: string }, sub: Command) =>
      runTool('', async () => {
        if (opts.topic === undefined) throw new UsageError('Missing required argument --topic');
        const topic = opts.topic;
        const partition = required(opts.partition, 'partition');
        const brokerId = optional(opts.brokerId, 'broker-id');
        const client = clientFor(common(sub), 'gregor-transactions');
        try {
          const on = brokerId === undefined ? 'leader' : `broker ${brokerId}`;
          const producers = await failing(
            `Failed to describe producers for partition ${topic}-${partition} on ${on}`,
            () => describeProducers(client, topic, partition, brokerId),
          );
          const rows = producers.map((p) => [
            String(p.producerId),
            String(p.producerEpoch),
            String(p.coordinatorEpoch),
            String(p.lastSequence),
            String(p.lastTimestamp),
            p.currentTxnStartOffset >= 0 ? String(p.currentTxnStartOffset) : 'None',
          ]);
          process.stdout.write(formatTable(PRODUCER_HEADERS, rows));
        } finally {
          client.close();
        }
      }),
    );

  addAbortCommand(cmd, common);
  addFindHangingCommand(cmd, common);
}

const DESCRIBE_HEADERS = [
  'CoordinatorId',
  'TransactionalId',
  'ProducerId',
  'ProducerEpoch',
  'TransactionState',
  'TransactionTimeoutMs',
  'CurrentTransactionStartTimeMs',
  'TransactionDurationMs',
  'TopicPartitions',
];

const PRODUCER_HEADERS = [
  'ProducerId',
  'ProducerEpoch',
  'LatestCoordinatorEpoch',
  'LastSequence',
  'LastTimestamp',
  'CurrentTransactionStartOffset',
];

const HANGING_HEADERS = [
  'Topic',
  'Partition',
  'ProducerId',
  'ProducerEpoch',
  'CoordinatorEpoch',
  'StartOffset',
  'LastTimestamp',
  'Duration(min)',
];

interface AbortOptions {
  readonly topic?: string;
  readonly partition?: string;
  readonly startOffset?: string;
  readonly producerId?: string;
  readonly producerEpoch?: string;
  readonly coordinatorEpoch?: string;
}

function addAbortCommand(cmd: Command, common: (sub: Command) => CommonToolOptions): void {
  cmd
    .command('abort')
    .description('abort a hanging transaction (requires administrative privileges)')
    .option('--topic <topic>', 'topic name')
    .option('--partition <partition>', 'partition number')
    .option('--start-offset <offset>', 'start offset of the transaction to abort')
    .option('--producer-id <id>', 'producer id')
    .option('--producer-epoch <epoch>', 'producer epoch')
    .option('--coordinator-epoch <epoch>', 'coordinator epoch')
    .action((opts: AbortOptions, sub: Command) =>
      runTool('', async () => {
        if (opts.topic === undefined) throw new UsageError('Missing required argument --topic');
        const topic = opts.topic;
        const partition = required(opts.partition, 'partition');
        if (opts.startOffset === undefined && opts.producerId === undefined) {
          throw new UsageError(
            'The transaction to abort must be identified either with --start-offset (for ' +
              'brokers on 3.0 or above) or with --producer-id, --producer-epoch, and ' +
              '--coordinator-epoch (for older brokers)',
          );
        }
        const client = clientFor(common(sub), 'gregor-transactions');
        try {
          const spec =
            opts.startOffset === undefined
              ? {
                  topic,
                  partition,
                  producerId: required(opts.producerId, 'producer-id'),
                  producerEpoch: required(opts.producerEpoch, 'producer-epoch'),
                  coordinatorEpoch: required(opts.coordinatorEpoch, 'coordinator-epoch'),
                }
              : await specFromStartOffset(client, topic, partition, opts.startOffset);
          await failing(`Failed to abort transaction ${JSON.stringify(spec)}`, () =>
            abortTransaction(client, spec),
          );
        } finally {
          client.close();
        }
      }),
    );
}

async function specFromStartOffset(
  client: ReturnType<typeof clientFor>,
  topic: string,
  partition: number,
  startOffsetText: string,
) {
  const startOffset = parseInteger(startOffsetText, 'start-offset');
  const producers = await failing(
    `Failed to validate producer state for partition ${topic}-${partition}`,
    () => describeProducers(client, topic, partition),
  );
  const p = producers.find((x) => x.currentTxnStartOffset === startOffset);
  if (p === undefined) {
    process.stderr.write(
      `Could not find any open transactions starting at offset ${startOffset} on partition ${topic}-${partition}\n`,
    );
    throw new ReportedFailure('no such transaction');
  }
  return {
    topic,
    partition,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    coordinatorEpoch: Math.max(0, p.coordinatorEpoch),
  };
}

interface FindHangingOptions {
  readonly brokerId?: string;
  readonly maxTransactionTimeout: string;
  readonly topic?: string;
  readonly partition?: string;
}

function addFindHangingCommand(cmd: Command, common: (sub: Command) => CommonToolOptions): void {
  cmd
    .command('find-hanging')
    .description('find hanging transactions')
    .option('--broker-id <id>', 'broker id to search for hanging transactions')
    .option(
      '--max-transaction-timeout <minutes>',
      'maximum transaction timeout in minutes to limit the scope of the search',
      MAX_TRANSACTION_TIMEOUT_MINUTES_DEFAULT,
    )
    .option('--topic <topic>', 'topic name to limit search to')
    .option('--partition <partition>', 'partition number')
    .action((opts: FindHangingOptions, sub: Command) =>
      runTool('', async () => {
        const brokerId = optional(opts.brokerId, 'broker-id');
        if (opts.topic === undefined && brokerId === undefined) {
          throw new UsageError(
            'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search',
          );
        }
        const partition = optional(opts.partition, 'partition');
        if (partition !== undefined && opts.topic === undefined)
          throw new UsageError('The --partition argument requires --topic to be provided');
        const minutes = parseInteger(opts.maxTransactionTimeout, 'max-transaction-timeout');
        const client = clientFor(common(sub), 'gregor-transactions');
        try {
          const nowMs = Date.now();
          const hanging = await failing('Failed to find hanging transactions', () =>
            findHangingTransactions(client, {
              ...(brokerId === undefined ? {} : { brokerId }),
              ...(opts.topic === undefined ? {} : { topic: opts.topic }),
              ...(partition === undefined ? {} : { partition }),
              maxTransactionTimeoutMs: minutes * 60_000,
              nowMs,
            }),
          );
          const rows = hanging.map((h) => [
            h.topic,
            String(h.partition),
            String(h.producer.producerId),
            String(h.producer.producerEpoch),
            String(h.producer.coordinatorEpoch),
            String(h.producer.currentTxnStartOffset),
            String(h.producer.lastTimestamp),
            String(Math.floor((nowMs - h.producer.lastTimestamp) / 60_000)),
          ]);
          process.stdout.write(formatTable(HANGING_HEADERS, rows));
        } finally {
          client.close();
        }
      }),
    );
}
