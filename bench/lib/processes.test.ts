import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  cpuSecondsOf,
  freePort,
  parseFlags,
  rssMegabytesOf,
  startServer,
  stopAll,
} from './processes.ts';

const SERVER = `
  const server = require('net').createServer((s) => s.end()).listen(Number(process.argv[1]), '127.0.0.1');
  console.log('listening');
  if (process.argv[2] === 'stubborn') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
  // Burn some CPU so /proc shows it.
  const until = Date.now() + 300; while (Date.now() < until) {}
`;

test('reads CPU seconds and RSS of a process from /proc, 0 and null once it is gone', () => {
  const before = cpuSecondsOf(process.pid);
  const until = Date.now() + 200;
  while (Date.now() < until) {}
  assert.ok(cpuSecondsOf(process.pid) > before);
  assert.ok((rssMegabytesOf(process.pid) ?? 0) > 1);
  assert.equal(cpuSecondsOf(2 ** 30), 0);
  assert.equal(rssMegabytesOf(2 ** 30), null);
});

test('starts a server, waits for its port, logs its output, and stops it even when it ignores SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'processes-test-'));
  try {
    const port = await freePort();
    const server = await startServer({
      name: 'stubborn',
      command: process.execPath,
      args: ['-e', SERVER, String(port), 'stubborn'],
      port,
      logFile: join(dir, 'server.log'),
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(server.cpuSeconds() > 0.1, `cpu ${server.cpuSeconds()}`);
    const t0 = Date.now();
    await server.stop(500);
    assert.equal(await server.exited, 'SIGKILL');
    assert.ok(Date.now() - t0 >= 400);
    assert.match(readFileSync(join(dir, 'server.log'), 'utf8'), /listening/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stopAll ends every server still running; a failed start says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'processes-test-'));
  try {
    const port = await freePort();
    const server = await startServer({
      name: 'plain',
      command: process.execPath,
      args: ['-e', SERVER, String(port)],
      port,
      logFile: join(dir, 'a.log'),
    });
    await stopAll();
    assert.equal(await server.exited, 'SIGTERM');
    await assert.rejects(
      startServer({
        name: 'quits',
        command: process.execPath,
        args: ['-e', 'process.exit(3)'],
        port,
        logFile: join(dir, 'b.log'),
      }),
      /quits did not start: the process exited/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parses --name value and --name=value flags', () => {
  const flags = parseFlags(['--messages', '200', '--bytes=100,1024']);
  assert.equal(flags.get('messages'), '200');
  assert.equal(flags.get('bytes'), '100,1024');
  assert.throws(() => parseFlags(['stray']));
});
