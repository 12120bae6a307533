// The clients that load Gregor in the throughput benchmark: kcat (librdkafka) producing
// a file of messages and consuming a partition from its start, with the librdkafka
// settings measured best in bench/produce-consume.sh, and the Node client
// (@platformatic/kafka, node-client.ts) in its own process. Also the message files.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CommandResult, runChecked } from '../lib/command.ts';

const REPO = join(import.meta.dirname, '..', '..');

/**
 * librdkafka producer settings (as produce-consume.sh): ~1 MB per ProduceRequest (its own
 * cap) filled within 5 ms, 5 requests in flight, and a local queue big enough that kcat
 * never blocks on it.
 */
export function kcatProducerProps(acks: '1' | 'all'): string[] {
  return [
    `acks=${acks === 'all' ? -1 : 1}`,
    'compression.codec=none',
    'linger.ms=5',
    'batch.size=1000000',
    'batch.num.messages=100000',
    'message.max.bytes=1000000',
    'queue.buffering.max.messages=1000000',
    'queue.buffering.max.kbytes=2097151',
    'max.in.flight.requests.per.connection=5',
    // A broker that refuses every batch fails the run in 2 minutes, not librdkafka's 5.
    'message.timeout.ms=120000',
  ].flatMap((p) => ['-X', p]);
}

/** librdkafka consumer settings: 8 MiB per partition per Fetch and a 256 MiB prefetch queue. */
export const KCAT_CONSUMER_PROPS = [
  'fetch.message.max.bytes=8388608',
  'fetch.max.bytes=67108864',
  'queued.max.messages.kbytes=262144',
  'queued.min.messages=1000000',
].flatMap((p) => ['-X', p]);

/** A file of `count` lines of `sizeBytes` bytes, made once and reused (kcat -l sends each line). */
export async function messageFile(
  workDir: string,
  count: number,
  sizeBytes: number,
): Promise<string> {
  const file = join(workDir, `messages-${count}x${sizeBytes}.txt`);
  if (existsSync(file) && statSync(file).size === count * (sizeBytes + 1)) return file;
  await runChecked(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'bench', 'make-messages.ts'),
      String(count),
      String(sizeBytes),
      file,
    ],
    { timeoutMs: 300_000, cwd: REPO },
  );
  return file;
}

export function kcatProduce(
  bootstrap: string,
  topic: string,
  file: string,
  acks: '1' | 'all',
  timeoutMs: number,
): Promise<CommandResult> {
  const args = ['-b', bootstrap, '-P', '-t', topic, '-p', '0', ...kcatProducerProps(acks)];
  return runChecked('kcat', [...args, '-l', file], { timeoutMs });
}

/**
 * Reads `count` messages of partition 0 from the start. kcat prints one byte per message
 * (`-f '\n'`) and the lines are counted here: ~1 MB through a pipe beside ~1 GB of payload.
 */
export function kcatConsume(
  bootstrap: string,
  topic: string,
  count: number,
  timeoutMs: number,
): Promise<CommandResult> {
  const args = ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e'];
  const format = ['-c', String(count), ...KCAT_CONSUMER_PROPS, '-q', '-f', '\n'];
  return runChecked('kcat', [...args, ...format], { timeoutMs, countLinesOnly: true });
}

export interface NodeClientFigures {
  readonly messages: number;
  readonly seconds: number;
  /** CPU of the client over its timed part (not its start-up), seconds. */
  readonly clientCpuSeconds: number;
}

/** Runs node-client.ts; its own clock starts once connected (no tsx start-up in it). */
export async function nodeClient(
  mode: 'produce' | 'consume',
  args: Readonly<Record<string, string | number>>,
  timeoutMs: number,
): Promise<NodeClientFigures> {
  const script = join(REPO, 'bench', 'gregor', 'node-client.ts');
  const flags = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const r = await runChecked(process.execPath, ['--import', 'tsx', script, mode, ...flags], {
    timeoutMs,
    cwd: REPO,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(last) as { messages: number; seconds: number; cpuSeconds: number };
  return {
    messages: parsed.messages,
    seconds: parsed.seconds,
    clientCpuSeconds: parsed.cpuSeconds,
  };
}
