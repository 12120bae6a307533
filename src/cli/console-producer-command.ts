// `gregor console-producer`: kafka-console-producer.sh. Reads stdin line by
// line (LineMessageReader rules), sends each line as a record, and at end of
// input flushes and exits. A record the broker refuses is reported as Kafka's
// error callback reports it and makes the exit code 1.

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Producer as ProducerType } from '../client/producer.ts';
import { Producer } from '../client/producer.ts';
import { LineFormatError, lineReaderConfig, parseLine } from './line-message-reader.ts';
import { compressionType, producerSettings } from './producer-config.ts';
import {
  addBootstrapOption,
  type CommonToolOptions,
  clientFor,
  collect,
  errorText,
  parseInteger,
  parseKeyValues,
  ReportedFailure,
  runTool,
  UsageError,
} from './tool-support.ts';

interface ConsoleProducerOptions extends CommonToolOptions {
  readonly topic?: string;
  readonly property: string[];
  readonly producerProperty: string[];
  readonly compressionCodec?: string | boolean;
  readonly requestRequiredAcks?: string;
  readonly sync?: boolean;
  readonly batchSize?: string;
  readonly timeout?: string;
}

export function addConsoleProducerCommand(program: Command): void {
  const cmd = program
    .command('console-producer')
    .description(
      'Read lines from standard input and publish them to a topic (kafka-console-producer.sh)',
    )
    .option('--topic <topic>', 'REQUIRED: The topic id to produce messages to.')
    .option(
      '--property <prop=value>',
      'A line reader property: parse.key, key.separator, parse.headers, headers.delimiter, ' +
        'headers.separator, headers.key.separator, null.marker, ignore.error (repeatable).',
      collect,
      [],
    )
    .option(
      '--producer-property <prop=value>',
      'A producer property such as acks=all or compression.type=gzip (repeatable).',
      collect,
      [],
    )
    .option(
      '--compression-codec [codec]',
      "The compression codec: 'none', 'gzip', 'snappy', 'lz4' or 'zstd' (gzip when given without a value).",
    )
    .option(
      '--request-required-acks <acks>',
      'The required acks of the producer requests (default: -1).',
    )
    .option('--sync', 'Send each message synchronously, one at a time as it arrives.')
    .option(
      '--batch-size <n>',
      'Number of messages to send in a single batch when they are not being sent synchronously.',
    )
    .option(
      '--timeout <ms>',
      'Longest time a message waits for a batch to fill (linger.ms; default 1000).',
    );
  addBootstrapOption(cmd);
  cmd.action((opts: ConsoleProducerOptions) =>
    runTool('', async () => {
      if (opts.topic === undefined) throw new UsageError('Missing required argument "[topic]"');
      const failures = await produceLines(opts, opts.topic);
      if (failures > 0) throw new ReportedFailure(`${failures} message(s) could not be sent`);
    }),
  );
}

function producerFor(opts: ConsoleProducerOptions) {
  const settings = producerSettings(parseKeyValues(opts.producerProperty, 'producer property'));
  for (const name of settings.unknown) {
    process.stderr.write(
      `WARN The configuration '${name}' was supplied but isn't a known config.\n`,
    );
  }
  const acks =
    opts.requestRequiredAcks === undefined
      ? {}
      : producerSettings(new Map([['acks', opts.requestRequiredAcks]])).options;
  const codec = opts.compressionCodec;
  const compression =
    codec === undefined
      ? {}
      : {
          compression: compressionType(
            codec === true ? 'gzip' : String(codec),
            'compression-codec',
          ),
        };
  const client = clientFor(
    opts,
    settings.clientId ?? 'console-producer',
    settings.requestTimeoutMs === null ? {} : { requestTimeoutMs: settings.requestTimeoutMs },
  );
  const producer = new Producer(client, {
    lingerMs: opts.timeout === undefined ? 1000 : parseInteger(opts.timeout, 'timeout'),
    ...(opts.batchSize === undefined
      ? {}
      : { batchSizeBytes: parseInteger(opts.batchSize, 'batch-size') }),
    ...compression,
    ...settings.options,
    ...acks,
  });
  return { client, producer };
}

/** Sends every stdin line; returns how many the broker refused. */
async function produceLines(opts: ConsoleProducerOptions, topic: string): Promise<number> {
  const reader = lineReaderConfig(parseKeyValues(opts.property, 'property'));
  const { client, producer } = producerFor(opts);
  const prompt = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let failures = 0;
  const pending: Promise<void>[] = [];
  const track = (p: Promise<unknown>, line: ReturnType<typeof parseLine>): Promise<void> =>
    p.then(
      () => undefined,
      (err: unknown) => {
        failures++;
        reportFailure(topic, line, err);
      },
    );
  try {
    let lineNumber = 0;
    if (prompt) process.stdout.write('>');
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    // Ctrl-C ends the input like end of file: what was read is still sent, as Kafka's hook does.
    process.once('SIGINT', () => lines.close());
    process.once('SIGTERM', () => lines.close());
    for await (const text of lines) {
      lineNumber++;
      const line = parseLine(text, lineNumber, reader);
      const sent = track(producer.send({ topic, ...line }), line);
      if (opts.sync === true) await sent;
      else pending.push(sent);
      if (prompt) process.stdout.write('>');
    }
    await producer.flush();
    await Promise.all(pending);
  } catch (err) {
    if (err instanceof LineFormatError) throw new UsageError(err.message);
    throw err;
  } finally {
    await flushQuietly(producer);
    client.close();
  }
  return failures;
}

async function flushQuietly(producer: ProducerType): Promise<void> {
  await producer.flush().catch(() => undefined);
}

/** Kafka's ErrorLoggingCallback line for a record the broker refused. */
function reportFailure(topic: string, line: ReturnType<typeof parseLine>, err: unknown): void {
  const key = line.key === null ? 'null' : `${line.key.length} bytes`;
  const value = line.value === null ? 'null' : `${line.value.length} bytes`;
  process.stderr.write(
    `ERROR Error when sending message to topic ${topic} with key: ${key}, value: ${value} with error: ${errorText(err)}\n`,
  );
}
