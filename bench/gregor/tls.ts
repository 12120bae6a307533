// TLS against PLAINTEXT in one run on one machine: one broker with a PLAINTEXT and an SSL
// listener (a throw-away CA, an EC P-256 certificate), kcat (librdkafka) producing a file of
// 1 KiB messages with acks=1 and consuming them back through each listener, alternating
// PLAINTEXT and SSL rounds so the machine's load falls on both alike. Prints the figures and
// the SSL/PLAINTEXT ratio (issue 14's target: at least 0.7 for 1 KiB messages).
//
//   node --import tsx bench/gregor/tls.ts [--count 300000] [--rounds 3]

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeDevCertificates } from '../../src/cli/dev-certificates.ts';
import { freePort } from '../../src/cli/loopback-ports.ts';
import { cleanupAll } from '../lib/cleanup.ts';
import { runChecked } from '../lib/command.ts';
import { createTopic, deleteTopic } from './admin.ts';
import { startGregor } from './broker.ts';
import { KCAT_CONSUMER_PROPS, kcatProducerProps, messageFile } from './clients.ts';

const SIZE_BYTES = 1024;
const TIMEOUT_MS = 300_000;

interface Figures {
  produceMBps: number[];
  consumeMBps: number[];
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '300000' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const count = Number(values.count);
  const rounds = Number(values.rounds);
  const work = process.env['BENCH_DIR'] ?? join(process.cwd(), '.tmp', 'bench');
  await mkdir(work, { recursive: true });
  const certDir = await mkdtemp(join(tmpdir(), 'gregor-bench-tls-'));
  const certs = await makeDevCertificates(certDir);
  const file = await messageFile(work, count, SIZE_BYTES);
  const plainPort = await freePort();
  const sslPort = await freePort();
  const broker = await startGregor({
    dataDir: join(work, 'tls-broker'),
    fresh: true,
    port: plainPort,
    overrides: {
      listeners: `PLAINTEXT://127.0.0.1:${plainPort},SSL://127.0.0.1:${sslPort}`,
      'ssl.keystore.location': certs.brokerKeystore,
      'ssl.truststore.location': certs.caCert,
    },
  });
  const listeners = {
    PLAINTEXT: { bootstrap: `127.0.0.1:${plainPort}`, props: [] as string[] },
    SSL: {
      bootstrap: `127.0.0.1:${sslPort}`,
      props: ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.caCert}`],
    },
  };
  const figures: Record<keyof typeof listeners, Figures> = {
    PLAINTEXT: { produceMBps: [], consumeMBps: [] },
    SSL: { produceMBps: [], consumeMBps: [] },
  };
  const megabytes = (count * SIZE_BYTES) / 1e6;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const name of ['PLAINTEXT', 'SSL'] as const) {
        const l = listeners[name];
        const topic = `tls-bench-${name.toLowerCase()}-${round}`;
        await createTopic(listeners.PLAINTEXT.bootstrap, topic);
        const produce = await runChecked(
          'kcat',
          [
            '-b',
            l.bootstrap,
            ...l.props,
            '-P',
            '-t',
            topic,
            '-p',
            '0',
            ...kcatProducerProps('1'),
            '-l',
            file,
          ],
          { timeoutMs: TIMEOUT_MS },
        );
        const consume = await runChecked(
          'kcat',
          [
            '-b',
            l.bootstrap,
            ...l.props,
            '-C',
            '-t',
            topic,
            '-p',
            '0',
            '-o',
            'beginning',
            '-e',
            '-c',
            String(count),
            ...KCAT_CONSUMER_PROPS,
            '-q',
            '-f',
            '\n',
          ],
          { timeoutMs: TIMEOUT_MS, countLinesOnly: true },
        );
        if (consume.lines !== count)
          throw new Error(`${name} consumed ${consume.lines} of ${count}`);
        figures[name].produceMBps.push(megabytes / produce.wallSeconds);
        figures[name].consumeMBps.push(megabytes / consume.wallSeconds);
        process.stderr.write(
          `round ${round + 1} ${name}: produce ${(megabytes / produce.wallSeconds).toFixed(1)} MB/s (kcat cpu ${produce.cpuSeconds.toFixed(2)}/${produce.wallSeconds.toFixed(2)} s), consume ${(megabytes / consume.wallSeconds).toFixed(1)} MB/s (kcat cpu ${consume.cpuSeconds.toFixed(2)}/${consume.wallSeconds.toFixed(2)} s)\n`,
        );
        await deleteTopic(listeners.PLAINTEXT.bootstrap, topic);
      }
    }
  } finally {
    await broker.stop();
    await rm(certDir, { recursive: true, force: true });
    await cleanupAll();
  }
  const p = figures.PLAINTEXT;
  const s = figures.SSL;
  const row = (what: string, a: number[], b: number[]) =>
    `| ${what} | ${median(a).toFixed(1)} | ${median(b).toFixed(1)} | ${(median(b) / median(a)).toFixed(2)} |`;
  process.stdout.write(
    [
      `${count} messages of ${SIZE_BYTES} B, kcat acks=1, medians of ${rounds} alternating rounds`,
      '| | PLAINTEXT MB/s | SSL MB/s | SSL / PLAINTEXT |',
      '| --- | --- | --- | --- |',
      row('produce', p.produceMBps, s.produceMBps),
      row('consume', p.consumeMBps, s.consumeMBps),
      '',
    ].join('\n'),
  );
}

await main();
