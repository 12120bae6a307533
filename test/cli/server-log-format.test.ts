// `gregor server` logs for the reader it has: readable lines on a terminal,
// JSON lines (for log collectors) when its output is a pipe or a file.
// The terminal is a real pseudo-terminal from util-linux's `script`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../harness/broker-process.ts';
import { GREGOR } from './cli-harness.ts';

const READY_TIMEOUT_MS = 60_000;
const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Runs `command` until its output shows the broker started; SIGTERM; returns the output. */
async function outputUntilStarted(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started = Date.now();
  try {
    while (!out.includes('Gregor broker started')) {
      if (child.exitCode !== null || Date.now() - started > READY_TIMEOUT_MS)
        throw new Error(`broker did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return out;
}

describe('gregor server log format', () => {
  let dir: string;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
  env['GREGOR_LOG_LEVEL'] = 'info';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-logfmt-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function serverArgs(name: string): Promise<string[]> {
    const port = await freePort();
    return [
      'server',
      '--override',
      `log.dirs=${join(dir, name)}`,
      '--override',
      `listeners=PLAINTEXT://127.0.0.1:${port}`,
    ];
  }

  test('a pipe gets one JSON object a line', async () => {
    const out = await outputUntilStarted(GREGOR, await serverArgs('pipe'), env);
    const lines = out.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const record = JSON.parse(line) as { msg?: unknown; level?: unknown };
      assert.equal(typeof record.level, 'number', line);
    }
  });

  test('a terminal gets readable lines', async () => {
    const command = [GREGOR, ...(await serverArgs('tty'))].map((a) => `'${a}'`).join(' ');
    const out = await outputUntilStarted('script', ['-qfec', command, '/dev/null'], env);
    const plain = out.replace(ANSI_COLOR, '').replace(/\r/g, '');
    const line = plain.split('\n').find((l) => l.includes('Gregor broker started'));
    assert.match(
      line ?? '',
      /^\d\d:\d\d:\d\d\.\d\d\d INFO {2}Gregor broker started nodeId=0 /,
      plain,
    );
    assert.doesNotMatch(plain, /"level":/);
    // Coloured, since it is a terminal and NO_COLOR is unset.
    assert.ok(out.includes('\x1b[32mINFO'), out);
  });
});
