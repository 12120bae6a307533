// The package as a user gets it: `npm pack` (which builds dist/ through the
// prepare script, as publishing does) in a copy of the project, the tarball
// installed with npm into an empty project, and from plain `node` — no tsx —
// an ES module and a CommonJS script each start a broker, produce (and the ES
// one consumes in a group) with kafkajs, and close it, printing nothing of
// their own. TypeScript checks both against the shipped declarations, and the
// installed `gregor` command runs from dist/ without tsx.
//
// The copy keeps `npm pack` from rebuilding the dist/ that other tests'
// brokers run from. Dependencies come from npm's cache when it has them.

import assert from 'node:assert/strict';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../harness/processes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const STEP_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 60_000;
/** A user's environment: none of the GREGOR_* knobs the test run sets. */
const USER_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('GREGOR_')),
);

/** What the package is built from; everything else in the project stays out of the copy. */
const BUILD_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'README.md',
  'bin',
  'src',
  'scripts',
  'docs',
];

const ESM_SCRIPT = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from 'gregor';
import kafkajs from 'kafkajs';

const dataDir = mkdtempSync(join(tmpdir(), 'gregor-pack-esm-'));
const broker = await startBroker({
  dataDir,
  port: 0,
  config: { 'group.initial.rebalance.delay.ms': '0' },
});
const kafka = new kafkajs.Kafka({
  clientId: 'pack-esm',
  brokers: ['127.0.0.1:' + broker.port],
  logLevel: kafkajs.logLevel.NOTHING,
});
const producer = kafka.producer();
await producer.connect();
await producer.send({
  topic: 'packed',
  messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }, { key: 'c', value: 'three' }],
});
await producer.disconnect();
const consumer = kafka.consumer({ groupId: 'packed-group' });
await consumer.connect();
await consumer.subscribe({ topic: 'packed', fromBeginning: true });
const values = await new Promise((resolve, reject) => {
  const got = [];
  const timer = setTimeout(() => reject(new Error('consumed only ' + got)), 30000);
  consumer.run({
    eachMessage: async ({ message }) => {
      got.push(message.value.toString());
      if (got.length === 3) {
        clearTimeout(timer);
        resolve(got);
      }
    },
  });
});
await consumer.disconnect();
await broker.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ clusterId: broker.clusterId, values }));
`;

const CJS_SCRIPT = `
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { startBroker } = require('gregor');
const { Kafka, logLevel } = require('kafkajs');

(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gregor-pack-cjs-'));
  const broker = await startBroker({ dataDir, port: 0 });
  const kafka = new Kafka({ brokers: ['127.0.0.1:' + broker.port], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'packed-cjs', messages: [{ value: 'x' }, { value: 'y' }] });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('packed-cjs');
  await admin.disconnect();
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify({ clusterId: broker.clusterId, high: offsets.map((o) => o.high) }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

// Each check has lines that must fail to type-check: a type that resolved to `any` (a
// declaration file that is missing or does not resolve) would let them through, and tsc
// would then report the unused @ts-expect-error. skipLibCheck spares checking all of
// @types/node (most of tsc's time); those lines still prove our declarations resolve.
const ESM_TYPES = `
import { type Broker, type StartBrokerOptions, startBroker } from 'gregor';
const options: StartBrokerOptions = { dataDir: '/tmp/x', port: 0, config: { 'num.partitions': '3' } };
const broker: Broker = await startBroker(options);
const port: number = broker.port;
// @ts-expect-error: the port is a number
const wrong: string = broker.port;
// Types from deeper declaration files (the configuration's, pino's) resolve too.
const dirs: readonly string[] = broker.config.logDirs;
// @ts-expect-error: log dirs are strings
const notDirs: readonly number[] = broker.config.logDirs;
// @ts-expect-error: a logger is a pino logger, not a string
await startBroker({ logger: 'quiet' });
await broker.close();
export { port, wrong, dirs, notDirs };
`;

const CJS_TYPES = `
import gregor = require('gregor');
import type { Broker } from 'gregor';
async function main(): Promise<number> {
  const broker: Broker = await gregor.startBroker({ port: 0 });
  // @ts-expect-error: there is no such option
  await gregor.startBroker({ portt: 0 });
  await broker.close();
  return broker.port;
}
export = main;
`;

function parseLastLine(stdout: string): unknown {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '');
}

describe('the npm package', () => {
  let work: string;
  let app: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'gregor-pack-'));
    const source = join(work, 'source');
    const out = join(work, 'out');
    app = join(work, 'app');
    for (const dir of [source, out, app]) mkdirSync(dir);
    for (const input of BUILD_INPUTS)
      cpSync(join(ROOT, input), join(source, input), { recursive: true });
    // The build tools (esbuild, typescript) come from the project's own installation.
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
    const pack = await run('npm', ['pack', '--pack-destination', out, '--loglevel=error'], {
      cwd: source,
      timeoutMs: STEP_TIMEOUT_MS,
    });
    assert.equal(pack.code, 0, `npm pack failed:\n${pack.stdout}\n${pack.stderr}`);
    const tarballs = readdirSync(out).filter((f) => f.endsWith('.tgz'));
    assert.equal(tarballs.length, 1, `one tarball: ${tarballs}`);

    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    const kafkajsVersion = (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const install = await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        join(out, tarballs[0]!),
        `kafkajs@${kafkajsVersion}`,
      ],
      { cwd: app, timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.equal(install.code, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
    writeFileSync(join(app, 'esm.mjs'), ESM_SCRIPT);
    writeFileSync(join(app, 'cjs.cjs'), CJS_SCRIPT);
    writeFileSync(join(app, 'esm-types.mts'), ESM_TYPES);
    writeFileSync(join(app, 'cjs-types.cts'), CJS_TYPES);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['esm-types.mts', 'cjs-types.cts'],
      }),
    );
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('ships the built library, its declarations and the command, not the sources', () => {
    const installed = join(app, 'node_modules', 'gregor');
    const top = readdirSync(installed).sort();
    assert.deepEqual(top, ['README.md', 'bin', 'dist', 'docs', 'package.json']);
    const dist = readdirSync(join(installed, 'dist'));
    for (const f of ['index.js', 'index.cjs', 'main.js', 'tools-main.js', 'types'])
      assert.ok(dist.includes(f), `dist/${f} in ${dist}`);
    assert.ok(!dist.some((f) => f.endsWith('.map')), 'no source maps');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // What the broker loads at run time and does not bundle (and pino for the Logger type).
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), [
      '@mongodb-js/zstd',
      '@node-rs/crc32',
      'etcd3',
      'lz4-napi',
      'pino',
      'snappy',
    ]);
    const modules = readdirSync(join(app, 'node_modules'));
    for (const devOnly of ['tsx', 'esbuild', 'typescript'])
      assert.ok(!modules.includes(devOnly), `${devOnly} is not installed for a user`);
  });

  test('plain node imports it as an ES module: a broker produces, consumes and closes, quietly', async () => {
    const r = await run('node', ['esm.mjs'], {
      cwd: app,
      env: USER_ENV,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'the library logs nothing below warn');
    assert.equal(r.stdout.trim().split('\n').length, 1, `only the script's own line:\n${r.stdout}`);
    const result = parseLastLine(r.stdout) as { clusterId: string; values: string[] };
    assert.match(result.clusterId, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(result.values, ['one', 'two', 'three']);
  });

  test('plain node requires it as CommonJS: a broker produces and closes', async () => {
    const r = await run('node', ['cjs.cjs'], {
      cwd: app,
      env: USER_ENV,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const result = parseLastLine(r.stdout) as { clusterId: string; high: string[] };
    assert.deepEqual(result.high, ['2']);
  });

  test('TypeScript checks ES and CommonJS users against the shipped declarations', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await run('node', [tsc, '-p', 'tsconfig.json'], {
      cwd: app,
      env: USER_ENV,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  });

  test('the installed gregor command runs from dist/ without tsx', async () => {
    const r = await run(join(app, 'node_modules', '.bin', 'gregor'), ['--help'], {
      cwd: app,
      env: USER_ENV,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: gregor/);
    assert.match(r.stdout, /server/);
  });
});
