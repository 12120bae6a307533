// The broker's log stays bounded under a flood of bad input (issue 12, item 9:
// six minutes of bad input once wrote 275 MB of log, a stack trace per line).
// For FLOOD_MS, many connections send malformed frames, unknown API keys,
// unsupported versions, undecodable bodies, impossible frame sizes, produces
// to missing topics and batches with a bad CRC, against a broker run as a
// process at log level info. Then its output is read: each kind of line stays
// within its budget (10 lines per 10 s window, plus one summary carrying the
// count of lines dropped), no line carries a stack trace (all of this is the
// client's fault), and the broker still serves kcat.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RequestOf } from '../../src/api/handler.ts';
import { buildValueBatch } from '../../src/log/testing/test-batch.ts';
import { Metadata } from '../../src/protocol/apis/metadata.ts';
import { Produce } from '../../src/protocol/apis/produce.ts';
import { writeRequestHeader } from '../../src/protocol/headers.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';

const FLOOD_MS = 12_000;
const CONNECTIONS = 16;
/** The broker's budget per kind: RateLimitedLog's defaults. */
const LINES_PER_WINDOW = 10;
const WINDOW_MS = 10_000;

function header(apiKey: number, apiVersion: number, flexible = false): Writer {
  const w = new Writer();
  w.reserveInt32();
  writeRequestHeader(w, { apiKey, apiVersion, correlationId: 7, clientId: 'flood' }, flexible);
  return w;
}

function sized(w: Writer): Buffer {
  const b = w.toBuffer();
  b.writeInt32BE(b.length - 4, 0);
  return b;
}

/** Frames each closing the connection for a different reason. */
function badFrames(): Record<string, Buffer> {
  const truncatedMetadata = header(Metadata.apiKey, 1);
  truncatedMetadata.int32(5); // five topic names announced, none sent
  const huge = Buffer.alloc(8);
  huge.writeInt32BE(0x7fff_fff0, 0);
  return {
    'malformed-header': Buffer.from([0, 0, 0, 3, 0, 3, 0]),
    'unknown-api-key': sized(header(999, 0)),
    'unsupported-version': sized(header(Metadata.apiKey, 99)),
    'malformed-request': sized(truncatedMetadata),
    'bad-frame': huge,
  };
}

/** Sends one frame on a fresh connection and waits until the broker closes it. */
function sendAndWaitClose(port: number, frame: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(frame));
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('data', () => {});
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

function produceRequest(topic: string, records: Buffer): RequestOf<typeof Produce> {
  return {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  } as RequestOf<typeof Produce>;
}

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly kind?: string;
  readonly suppressed?: number;
  readonly err?: { stack?: string };
}

function parseLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

test('a flood of bad requests writes a bounded log: per-kind budgets, counted summaries, no stacks', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-flood-'));
  const port = await freePort();
  let broker: BrokerProcess | null = null;
  try {
    broker = await spawnBroker({ dataDir: dir, port });
    const made = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'real'], {
      input: 'a\nb\n',
    });
    assert.equal(made.code, 0, made.stderr);
    const startLines = broker.output().split('\n').length;
    const frames = Object.values(badFrames());
    const corrupt = buildValueBatch('x', 3);
    const last = corrupt.length - 1;
    corrupt.writeUInt8(corrupt.readUInt8(last) ^ 0xff, last); // the CRC covers it: now it fails
    const sent = { frames: 0, produces: 0 };
    const until = Date.now() + FLOOD_MS;

    const frameFlood = async (i: number) => {
      for (let n = i; Date.now() < until; n++) {
        await sendAndWaitClose(port, frames[n % frames.length]!);
        sent.frames++;
      }
    };
    const produceFlood = async () => {
      const client = await RawClient.connect(broker!.bootstrap);
      try {
        while (Date.now() < until) {
          const missing = await client.send(Produce, 9, produceRequest('missing-topic', corrupt));
          const bad = await client.send(Produce, 9, produceRequest('real', corrupt));
          const codes = [missing, bad].map((r) => r.responses[0]?.partitionResponses[0]?.errorCode);
          assert.deepEqual(codes, [3, 2], 'UNKNOWN_TOPIC_OR_PARTITION, CORRUPT_MESSAGE');
          sent.produces += 2;
        }
      } finally {
        client.close();
      }
    };
    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: CONNECTIONS }, (_, i) => frameFlood(i)),
      produceFlood(),
      produceFlood(),
    ]);
    const elapsedMs = Date.now() - started;
    assert.ok(sent.frames > 1000, `only ${sent.frames} bad frames sent`);
    assert.ok(sent.produces > 200, `only ${sent.produces} bad produces sent`);

    // Summaries of the last window come when it ends.
    await new Promise((r) => setTimeout(r, WINDOW_MS + 1000));
    const lines = parseLines(broker.output().split('\n').slice(startLines).join('\n'));
    const byKind = new Map<string, LogLine[]>();
    for (const line of lines) {
      const k = line.kind ?? `(no kind) ${line.msg}`;
      byKind.set(k, [...(byKind.get(k) ?? []), line]);
    }
    const windows = Math.ceil((elapsedMs + WINDOW_MS) / WINDOW_MS) + 1;
    const report = [...byKind].map(([k, ls]) => `${k}: ${ls.length}`).join(', ');
    for (const [k, ls] of byKind) {
      assert.ok(
        ls.length <= windows * (LINES_PER_WINDOW + 1),
        `${ls.length} lines of ${k} in ${elapsedMs} ms (${report})`,
      );
    }
    for (const kind of [
      'malformed-header',
      'unknown-api-key',
      'unsupported-version',
      'bad-frame',
    ]) {
      const of = byKind.get(`connection:${kind}`) ?? [];
      assert.ok(of.length >= 1, `no line at all about ${kind} (${report})`);
      const dropped = of.reduce((n, l) => n + (l.suppressed ?? 0), 0);
      assert.ok(dropped > 0, `no summary counting dropped ${kind} lines (${report})`);
    }
    assert.deepEqual(
      lines.filter((l) => l.err?.stack !== undefined).map((l) => l.msg),
      [],
      'no stack trace for what clients caused',
    );
    const total = lines.length;
    const perSecond = total / ((elapsedMs + WINDOW_MS) / 1000);
    assert.ok(perSecond < 10, `${total} lines for ${sent.frames + sent.produces} bad requests`);
    t.diagnostic(
      `flood: ${sent.frames} bad frames, ${sent.produces} bad produces in ${elapsedMs} ms -> ${total} log lines (${report})`,
    );

    const after = await run('kcat', [
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'real',
      '-o',
      'beginning',
      '-e',
    ]);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout, 'a\nb\n');
    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0);
    broker = null;
  } finally {
    broker?.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
