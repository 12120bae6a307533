// NATS JetStream as a yardstick beside Gregor: a fresh Debian nats-server with JetStream
// and file storage in a temp dir on a free loopback port, one stream on one subject.
// Streams and consumers are managed with the official client (@nats-io/jetstream); the
// hot loops speak the protocol themselves (nats-wire.ts says why): produce with
// thousands of acknowledged publishes outstanding (the batch publish APIs need
// nats-server 2.12+), consume from the start with a pull consumer in big batches, and
// latency by the benchmark's one method.
//
//   node --import tsx bench/peers/nats-jetstream.ts --messages 200000 --bytes 1024
//   node --import tsx bench/peers/nats-jetstream.ts --messages 500000 --bytes 100,1024 --seconds 10

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AckPolicy, DeliverPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { FixedRateMeter, serverCpuNote, toLatencyResult } from '../latency/fixed-rate.ts';
import { onCleanup } from '../lib/cleanup.ts';
import {
  commandPath,
  ensureCommands,
  freePort,
  LOOPBACK,
  NATS_COMMANDS,
  type ServerProcess,
  startServer,
} from '../lib/processes.ts';
import type { LatencyResult, ThroughputResult } from '../lib/results.ts';
import { statusOf, WireClient, type WireMessage } from './nats-wire.ts';
import {
  measurePeerAll,
  type PeerAllOptions,
  type PeerResults,
  runPeerStandalone,
} from './peer-suite.ts';
import { throughputResult, timed } from './throughput.ts';

export const NATS_SYSTEM = 'nats-jetstream';
/** A publish counts once the stream has stored it (file storage, no fsync per message). */
export const NATS_ACKS = 'js-ack';
const CLIENT = 'node NATS wire client (bench/peers/nats-wire.ts)';
const STREAM = 'bench';
const SUBJECT = 'bench.messages';
/** Publishes awaiting their PubAck when producing. */
const PUBLISH_WINDOW = 4_096;
/** Messages per pull request when consuming; two pulls are kept outstanding. */
const CONSUME_BATCH = 5_000;
/**
 * Messages per pull request of the latency run's consumer. Messages are delivered as
 * they are stored whatever the batch; it only bounds how fast a reader that fell behind
 * catches up.
 */
const LATENCY_BATCH = 5_000;

export interface NatsServer {
  readonly port: number;
  readonly process: ServerProcess;
  readonly version: string;
  stop(): Promise<void>;
}

/** A fresh nats-server with JetStream, its store in a temp dir, listening on 127.0.0.1 only. */
export async function startNats(): Promise<NatsServer> {
  ensureCommands(NATS_COMMANDS);
  const dir = mkdtempSync(join(tmpdir(), 'bench-nats-'));
  const port = await freePort();
  const removeDir = onCleanup(`temp dir ${dir}`, () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  const nats = await startServer({
    name: 'nats-server',
    command: commandPath('nats-server'),
    args: ['-a', LOOPBACK, '-p', String(port), '-js', '-sd', join(dir, 'store')],
    port,
    logFile: join(dir, 'nats.log'),
  }).catch(async (err: unknown) => {
    await removeDir();
    throw err;
  });
  // Registered after the dir, so a cleanup of everything stops the server first.
  const stop = onCleanup(`nats-server on port ${port}`, async () => {
    await nats.stop();
    await removeDir();
  });
  try {
    const nc = await connect({ servers: `${LOOPBACK}:${port}` });
    const version = nc.info?.version ?? 'unknown';
    await nc.close();
    return { port, process: nats, version, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function onServer<T>(
  server: NatsServer | undefined,
  work: (s: NatsServer) => Promise<T>,
): Promise<T> {
  if (server !== undefined) return work(server);
  const fresh = await startNats();
  try {
    return await work(fresh);
  } finally {
    await fresh.stop();
  }
}

/** Runs `work` with a management connection (official client) and a wire connection. */
async function withClients<T>(
  server: NatsServer,
  work: (nc: NatsConnection, wire: WireClient) => Promise<T>,
): Promise<T> {
  const nc = await connect({ servers: `${LOOPBACK}:${server.port}`, maxReconnectAttempts: 0 });
  try {
    const wire = await WireClient.connect(server.port, LOOPBACK);
    try {
      return await work(nc, wire);
    } finally {
      wire.close();
    }
  } finally {
    await nc.close();
  }
}

/** (Re)creates a file-storage stream on one subject. */
async function createStream(nc: NatsConnection, name: string, subject: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => false);
  await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File });
}

/** A durable pull consumer without acks from `deliver` ('all' from the start, 'new' from now). */
async function createConsumer(
  nc: NatsConnection,
  stream: string,
  deliver: 'all' | 'new',
): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const name = `reader${randomBytes(4).toString('hex')}`;
  await jsm.consumers.add(stream, {
    durable_name: name,
    ack_policy: AckPolicy.None,
    deliver_policy: deliver === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
  });
  return name;
}

async function storedMessages(nc: NatsConnection, name: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(name)).state.messages;
}

export interface NatsProduceOptions {
  readonly messageBytes: number;
  readonly messages: number;
  /** A running server; a fresh one otherwise. The stream is created anew. */
  readonly server?: NatsServer;
}

/** Publishes `messages` with PUBLISH_WINDOW PubAcks outstanding; checks the stream's count. */
export function measureNatsProduce(opts: NatsProduceOptions): Promise<ThroughputResult> {
  return onServer(opts.server, (server) =>
    withClients(server, async (nc, wire) => {
      await createStream(nc, STREAM, SUBJECT);
      const run = await timed(server.process.cpuSeconds, () => publishAll(wire, opts));
      const stored = await storedMessages(nc, STREAM);
      if (stored !== opts.messages)
        throw new Error(`the stream holds ${stored} of ${opts.messages}`);
      return throughputResult({
        kind: 'produce',
        system: NATS_SYSTEM,
        client: CLIENT,
        messageBytes: opts.messageBytes,
        acks: NATS_ACKS,
        messages: opts.messages,
        run,
        clientInProcess: true,
        notes:
          `PUB with a reply subject (a JetStream publish), up to ${PUBLISH_WINDOW} PubAcks ` +
          `outstanding, file storage, nats-server ${server.version}`,
      });
    }),
  );
}

/** Keeps up to PUBLISH_WINDOW publishes unacknowledged; acks come back in order. */
function publishAll(wire: WireClient, opts: NatsProduceOptions): Promise<void> {
  const payload = Buffer.alloc(opts.messageBytes, 0x78);
  const inbox = `_INBOX.${randomBytes(8).toString('hex')}`;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const fill = (): void => {
      const end = Math.min(opts.messages, acked + PUBLISH_WINDOW);
      for (; sent < end; sent++) wire.publish(SUBJECT, inbox, payload);
    };
    wire.onFailure = reject;
    wire.subscribe(inbox, (ack) => {
      if (ack.payload.includes('"error"'))
        return reject(new Error(`nats: ${ack.payload.toString()}`));
      acked++;
      if (acked === opts.messages) resolve();
      // Refill once half the window is acknowledged: fewer, bigger writes.
      else if (sent < opts.messages && sent - acked <= PUBLISH_WINDOW / 2) fill();
    });
    fill();
  });
}

export interface NatsConsumeOptions {
  readonly messageBytes: number;
  readonly messages: number;
  /** A server whose stream holds at least `messages` (from measureNatsProduce). */
  readonly server?: NatsServer;
}

/** Reads `messages` from the stream's start with a pull consumer; fills it first when short. */
export function measureNatsConsume(opts: NatsConsumeOptions): Promise<ThroughputResult> {
  return onServer(opts.server, (server) =>
    withClients(server, async (nc, wire) => {
      const held = await storedMessages(nc, STREAM).catch(() => 0);
      if (held < opts.messages) {
        await createStream(nc, STREAM, SUBJECT);
        await publishAll(wire, opts);
      }
      const consumer = await createConsumer(nc, STREAM, 'all');
      let read = 0;
      const run = await timed(server.process.cpuSeconds, async () => {
        read = await readStream(wire, consumer, opts.messages, opts.messageBytes);
      });
      if (read !== opts.messages) throw new Error(`read ${read} of ${opts.messages}`);
      return throughputResult({
        kind: 'consume',
        system: NATS_SYSTEM,
        client: CLIENT,
        messageBytes: opts.messageBytes,
        acks: NATS_ACKS,
        messages: opts.messages,
        run,
        clientInProcess: true,
        notes: `pull consumer (no acks) from the start, 2 pulls of ${CONSUME_BATCH} outstanding`,
      });
    }),
  );
}

function readStream(
  wire: WireClient,
  consumer: string,
  messages: number,
  messageBytes: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let read = 0;
    wire.onFailure = reject;
    const puller = new Puller(wire, STREAM, consumer, CONSUME_BATCH, (payload) => {
      if (payload.length !== messageBytes) reject(new Error('unexpected message size'));
      if (++read === messages) {
        puller.stop();
        resolve(read);
      }
    });
    puller.start();
  });
}

/**
 * Keeps two pull requests of `batch` messages outstanding on a pull consumer, each on its
 * own reply subject (where its end-of-pull status comes), and asks again as soon as one is
 * filled or expires.
 */
class Puller {
  private readonly inbox = `_INBOX.${randomBytes(8).toString('hex')}`;
  private readonly remaining = new Map<string, number>();
  private nextPull = 0;
  private stopped = false;

  constructor(
    private readonly wire: WireClient,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly batch: number,
    private readonly onPayload: (payload: Buffer) => void,
  ) {}

  start(): void {
    this.wire.subscribe(`${this.inbox}.*`, (m) => this.deliver(m));
    this.pull();
    this.pull();
  }

  stop(): void {
    this.stopped = true;
  }

  private pull(): void {
    if (this.stopped) return;
    const reply = `${this.inbox}.${this.nextPull++}`;
    this.remaining.set(reply, this.batch);
    // expires in ns: a pull that is not filled ends after 5 s and is replaced.
    const request = Buffer.from(JSON.stringify({ batch: this.batch, expires: 5_000_000_000 }));
    this.wire.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`, reply, request);
  }

  private deliver(message: WireMessage): void {
    if (statusOf(message.headers) !== 0) {
      // 408 (expired) or 409 (limits), sent to that pull's own reply subject: it is over.
      if (this.remaining.delete(message.subject)) this.pull();
      return;
    }
    // Messages carry their stream subject, not the pull's; the server fills pulls in order.
    const first = this.remaining.entries().next();
    if (first.done === true) return;
    const [reply, left] = first.value;
    this.onPayload(message.payload);
    if (left > 1) this.remaining.set(reply, left - 1);
    else {
      this.remaining.delete(reply);
      this.pull();
    }
  }
}

export interface NatsLatencyOptions {
  readonly messageBytes: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly warmupSeconds?: number;
  readonly server?: NatsServer;
}

/** Each tick's messages are published in one write (acks checked); a pull consumer receives. */
export function measureNatsLatency(opts: NatsLatencyOptions): Promise<LatencyResult> {
  return onServer(opts.server, (server) =>
    withClients(server, async (nc, wire) => {
      const stream = `latency${Date.now()}`;
      const subject = `${stream}.messages`;
      await createStream(nc, stream, subject);
      const consumer = await createConsumer(nc, stream, 'new');
      const meter = new FixedRateMeter(opts);
      const puller = new Puller(wire, stream, consumer, LATENCY_BATCH, meter.receive);
      const failure: { error?: Error } = {};
      wire.onFailure = (err) => (failure.error ??= err);
      const inbox = `_INBOX.${randomBytes(8).toString('hex')}`;
      wire.subscribe(inbox, (ack) => {
        if (ack.payload.includes('"error"')) failure.error ??= new Error(ack.payload.toString());
      });
      puller.start();
      try {
        const cpu0 = server.process.cpuSeconds();
        const t0 = performance.now();
        const figures = await meter.run((values) => {
          if (failure.error !== undefined) throw failure.error;
          for (const value of values) wire.publish(subject, inbox, value);
        });
        const serverCpu = serverCpuNote(server.process.cpuSeconds() - cpu0, performance.now() - t0);
        return toLatencyResult(figures, {
          system: NATS_SYSTEM,
          client: CLIENT,
          messageBytes: opts.messageBytes,
          acks: NATS_ACKS,
          ratePerSecond: opts.ratePerSecond,
          notes:
            "each ~1 ms tick's messages published in one write, PubAcks checked as they come; " +
            `pull consumer (no acks), 2 pulls of ${LATENCY_BATCH} outstanding; ${serverCpu}`,
        });
      } finally {
        puller.stop();
      }
    }),
  );
}

export type NatsAllOptions = PeerAllOptions;

/** For each size: produce, consume on one fresh server; latency on another (peer-suite.ts). */
export function measureNatsAll(opts: NatsAllOptions): Promise<PeerResults> {
  return measurePeerAll(
    {
      start: startNats,
      produce: measureNatsProduce,
      consume: measureNatsConsume,
      latency: measureNatsLatency,
    },
    opts,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) runPeerStandalone(measureNatsAll);
