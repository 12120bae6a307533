// The campaign's clients and what they recorded: confluent-kafka producers
// (acks=all, idempotent) and group consumers as child processes writing their
// history lines to files (python/), parsed into the checker's History; and
// the final read of every partition after healing, with the leader epoch of
// each record's batch, through a raw Fetch against whichever broker leads.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { decodeRecordBatches } from '../../src/protocol/records.ts';
import { fetchV11 } from '../harness/partition-wire.ts';
import { RawClient } from '../harness/raw-client.ts';
import type { ConsumerEvent, FinalRecord, Invocation, Outcome } from './checker.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPTS = join(import.meta.dirname, 'python');

export class ClientProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;

  constructor(
    script: string,
    readonly file: string,
    env: Record<string, string>,
  ) {
    const out = createWriteStream(file, { flags: 'a' });
    this.child = spawn(PYTHON, [join(SCRIPTS, script)], {
      env: { ...process.env, ...env, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(out, { end: false });
    // What the client says on stderr (a traceback; librdkafka's log with RDKAFKA_DEBUG) goes
    // beside the history, and how it ended goes at the end of it.
    this.child.stderr?.pipe(createWriteStream(`${file}.stderr`, { flags: 'a' }));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        out.end(`EXIT ${code ?? '-'} ${signal ?? '-'} ${(Date.now() / 1000).toFixed(3)}\n`);
        resolve();
      }),
    );
  }

  /** SIGTERM (the client flushes and says END), SIGKILL after graceMs. */
  async stop(graceMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Where a client's history goes in a chunk's directory (also where `--recheck` reads it). */
export function historyFile(dir: string, name: string): string {
  return join(dir, `${name}.history`);
}

export function startProducer(
  dir: string,
  name: string,
  bootstrap: string,
  topic: string,
  partitions: number,
  rate: number,
) {
  return new ClientProcess('campaign_producer.py', historyFile(dir, name), {
    BOOTSTRAP: bootstrap,
    TOPIC: topic,
    PARTITIONS: String(partitions),
    PREFIX: name,
    RATE: String(rate),
  });
}

export function startConsumer(
  dir: string,
  name: string,
  bootstrap: string,
  topic: string,
  group: string,
) {
  return new ClientProcess('campaign_consumer.py', historyFile(dir, name), {
    BOOTSTRAP: bootstrap,
    TOPIC: topic,
    GROUP: group,
  });
}

export interface ProducerHistory {
  readonly invocations: Invocation[];
  readonly outcomes: Map<string, Outcome>;
  readonly fatal: number;
}

export async function readProducerHistory(files: readonly string[]): Promise<ProducerHistory> {
  const invocations: Invocation[] = [];
  const outcomes = new Map<string, Outcome>();
  let fatal = 0;
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const line of text.split('\n')) {
      const f = line.split(' ');
      if (f[0] === 'INV' && f.length === 4) {
        invocations.push({ value: f[1]!, partition: Number(f[2]), invokedAt: Number(f[3]) });
      } else if (f[0] === 'ACK' && f.length === 5) {
        // No offset ("None"): librdkafka's implied acknowledgement of a batch whose
        // answer was lost but that a later acknowledged batch proves written.
        outcomes.set(f[1]!, {
          kind: 'ack',
          partition: Number(f[2]),
          offset: f[3] === 'None' ? -1 : Number(f[3]),
          at: Number(f[4]),
        });
      } else if (f[0] === 'ERR' && f.length === 4) {
        outcomes.set(f[1]!, { kind: 'error', error: f[2]!, at: Number(f[3]) });
      } else if (f[0] === 'FATAL') fatal++;
    }
  }
  return { invocations, outcomes, fatal };
}

export async function readConsumerHistory(file: string): Promise<ConsumerEvent[]> {
  const events: ConsumerEvent[] = [];
  const text = await readFile(file, 'utf8');
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if ((f[0] === 'ASSIGN' || f[0] === 'REVOKE') && f.length === 3) {
      const partitions = f[1] === '-' ? [] : f[1]!.split(',').map(Number);
      events.push({ kind: f[0] === 'ASSIGN' ? 'assign' : 'revoke', at: Number(f[2]), partitions });
    } else if (f[0] === 'COMMIT' && f.length === 4) {
      events.push({
        kind: 'commit',
        at: Number(f[3]),
        partitions: [Number(f[1])],
        offset: Number(f[2]),
      });
    } else if (f[0] === 'READ' && f.length === 5) {
      events.push({
        kind: 'read',
        at: Number(f[4]),
        partitions: [Number(f[1])],
        offset: Number(f[2]),
        value: f[3]!,
      });
    }
  }
  return events;
}

const FETCH_BYTES = 4 * 1024 * 1024;

async function fetchFrom(
  raw: RawClient,
  topic: string,
  partition: number,
  offset: number,
): Promise<{ errorCode: number; highWatermark: number; records: Buffer }> {
  return (
    (await fetchV11(raw, topic, partition, offset, FETCH_BYTES)) ?? {
      errorCode: -1,
      highWatermark: -1,
      records: Buffer.alloc(0),
    }
  );
}

/**
 * Every record of every partition up to its high watermark, from the broker that
 * answers as leader (tried in turn until one does, for up to timeoutMs).
 */
export async function finalRead(
  bootstraps: readonly string[],
  topic: string,
  partitions: number,
  timeoutMs: number,
): Promise<Map<number, FinalRecord[]>> {
  const out = new Map<number, FinalRecord[]>();
  const deadline = Date.now() + timeoutMs;
  for (let p = 0; p < partitions; p++) {
    let done = false;
    while (!done) {
      for (const b of bootstraps) {
        let raw: RawClient | null = null;
        try {
          raw = await RawClient.connect(b);
          const records: FinalRecord[] = [];
          let offset = 0;
          let first = await fetchFrom(raw, topic, p, offset);
          if (first.errorCode !== ErrorCode.NONE) continue;
          const hw = first.highWatermark;
          while (offset < hw) {
            const batches = await decodeRecordBatches(first.records, {
              maxBytes: 64 * 1024 * 1024,
            });
            if (batches.length === 0) throw new Error(`no progress reading p${p} at ${offset}`);
            for (const batch of batches) {
              for (const r of batch.records) {
                if (r.offset < offset || r.offset >= hw) continue;
                const h = batch.header;
                records.push({
                  offset: r.offset,
                  value: r.value?.toString() ?? '',
                  leaderEpoch: h.partitionLeaderEpoch,
                  producerId: h.producerId,
                  producerEpoch: h.producerEpoch,
                  // Which producer batch it came in, for reading an anomaly afterwards.
                  batch: `${h.baseOffset}+${h.lastOffsetDelta} pid ${h.producerId} epoch ${h.producerEpoch} seq ${h.baseSequence}`,
                });
              }
              offset = Math.max(offset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
            }
            if (offset < hw) {
              first = await fetchFrom(raw, topic, p, offset);
              if (first.errorCode !== ErrorCode.NONE) throw new Error(`error ${first.errorCode}`);
            }
          }
          out.set(p, records);
          done = true;
          break;
        } catch {
          // Try the next broker.
        } finally {
          raw?.close();
        }
      }
      if (!done) {
        if (Date.now() > deadline) throw new Error(`final read of partition ${p} failed`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  return out;
}
