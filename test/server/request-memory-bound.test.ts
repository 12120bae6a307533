// queued.max.request.bytes against a live broker process (issue 12): twenty connections each
// send 90 MB of a 100 MB frame and hold it. Before the bound the broker grew to 1.9 GB
// resident and stayed there. Now it reads only as many large frames as the bound (256 MiB
// by default) admits and pauses the other sockets; its resident memory stays within the
// bound plus a margin, an ordinary client is served meanwhile, and once the connections
// close the memory goes back down.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePorts } from '../../src/cli/loopback-ports.ts';
import { type BrokerProcess, spawnBroker } from '../harness/broker-process.ts';
import { until } from '../harness/line-process.ts';
import { run } from '../harness/processes.ts';

const MIB = 1024 * 1024;
const CONNECTIONS = 20;
const FRAME_BYTES = 100_000_000;
const SENT_BYTES = 90_000_000;
const BOUND_BYTES = 256 * MIB;
/** Room beyond the bound for the broker's own growth under this load (heap, socket reads). */
const MARGIN_BYTES = 160 * MIB;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib) * 1024;
}

/** A connection that sends the size of a FRAME_BYTES frame, then SENT_BYTES of it, as fast
 *  as the broker reads; `sent` counts the bytes the socket has taken. */
class LargeFrameSender {
  sent = 0;
  private readonly socket: Socket;
  private stopped = false;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port });
    this.socket.on('error', () => undefined);
    this.socket.once('connect', () => void this.pump());
  }

  private async pump(): Promise<void> {
    const size = Buffer.alloc(4);
    size.writeInt32BE(FRAME_BYTES, 0);
    this.socket.write(size);
    const chunk = Buffer.alloc(MIB, 0x41);
    while (!this.stopped && this.sent < SENT_BYTES) {
      const part = chunk.subarray(0, Math.min(chunk.length, SENT_BYTES - this.sent));
      const more = this.socket.write(part);
      this.sent += part.length;
      if (!more) {
        await new Promise<void>((resolve) => {
          this.socket.once('drain', resolve);
          this.socket.once('close', resolve);
        });
      }
    }
  }

  close(): void {
    this.stopped = true;
    this.socket.destroy();
  }
}

describe('queued.max.request.bytes on a live broker', () => {
  let dir: string;
  let broker: BrokerProcess;
  let pid: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-request-memory-'));
    const [port] = (await freePorts(1)) as [number];
    broker = await spawnBroker({ dataDir: join(dir, 'data'), port });
    pid = broker.child.pid!;
  });

  after(async () => {
    broker?.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps memory bounded under twenty large frames, serves others, and gives it back', async (t) => {
    const [host, port] = broker.bootstrap.split(':') as [string, string];
    const warm = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'ordinary'], {
      input: 'before\n',
    });
    assert.equal(warm.code, 0, warm.stderr);
    const baseline = rssBytes(pid);

    const senders = Array.from(
      { length: CONNECTIONS },
      () => new LargeFrameSender(host, Number(port)),
    );
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 100);
    try {
      // Wait until the senders make no more progress: the broker stopped reading them.
      let last = -1;
      let stableSince = Date.now();
      await until(
        'the large frames to stop making progress',
        () => {
          const total = senders.reduce((n, s) => n + s.sent, 0);
          if (total !== last) {
            last = total;
            stableSince = Date.now();
          }
          return Date.now() - stableSince > 3000;
        },
        180_000,
      );
      const complete = senders.filter((s) => s.sent === SENT_BYTES).length;
      t.diagnostic(`senders that got all ${SENT_BYTES} bytes in: ${complete} of ${CONNECTIONS}`);
      assert.ok(complete < CONNECTIONS, 'the broker stopped reading some of them');

      // An ordinary client is served while the large frames hold the bound.
      const produced = await run(
        'kcat',
        ['-b', broker.bootstrap, '-P', '-t', 'ordinary', '-X', 'message.timeout.ms=30000'],
        { input: 'during\n', timeoutMs: 60_000 },
      );
      assert.equal(produced.code, 0, produced.stderr);
      const consumed = await run(
        'kcat',
        ['-b', broker.bootstrap, '-C', '-t', 'ordinary', '-o', 'beginning', '-e'],
        { timeoutMs: 60_000 },
      );
      assert.equal(consumed.code, 0, consumed.stderr);
      assert.deepEqual(consumed.stdout.trim().split('\n'), ['before', 'during']);
      peak = Math.max(peak, rssBytes(pid));
    } finally {
      clearInterval(sampler);
      for (const s of senders) s.close();
    }
    const growth = peak - baseline;
    t.diagnostic(
      `RSS baseline ${(baseline / MIB).toFixed(0)} MiB, peak ${(peak / MIB).toFixed(0)} MiB`,
    );
    assert.ok(
      growth <= BOUND_BYTES + MARGIN_BYTES,
      `RSS grew by ${(growth / MIB).toFixed(0)} MiB under the flood`,
    );

    // Closed: the frames' memory goes back to the operating system.
    let now = rssBytes(pid);
    await until(
      () => `RSS to fall back near the baseline (now ${(now / MIB).toFixed(0)} MiB)`,
      () => {
        now = rssBytes(pid);
        return now - baseline <= 64 * MIB;
      },
      90_000,
    );
    t.diagnostic(`RSS after the connections closed: ${(now / MIB).toFixed(0)} MiB`);
  });
});
