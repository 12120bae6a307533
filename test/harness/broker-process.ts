// Runs `bin/gregor server` as a separate process, for tests that kill it
// (kill -9 mid-write, SIGTERM) and start it again on the same data dir.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');

/** A free loopback port (the CLI's helper, so tests and `dev cluster` pick ports alike). */
export { freePort } from '../../src/cli/loopback-ports.ts';

const START_TIMEOUT_MS = 60_000;

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  readonly output: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

export async function spawnBroker(opts: {
  dataDir: string;
  port: number;
  overrides?: Record<string, string>;
  /** Runs the broker as this user and group (through setpriv; the test must be root). */
  runAs?: { uid: number; gid: number };
  /** GREGOR_* variables for the broker (secrets kept out of its command line). */
  env?: Record<string, string>;
}): Promise<BrokerProcess> {
  const args = [
    'server',
    '--override',
    `log.dirs=${opts.dataDir}`,
    '--override',
    `listeners=PLAINTEXT://127.0.0.1:${opts.port}`,
  ];
  for (const [k, v] of Object.entries(opts.overrides ?? {})) args.push('--override', `${k}=${v}`);
  // The broker refuses unknown GREGOR_* variables; tests' own knobs stay out.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
  env['GREGOR_LOG_LEVEL'] = 'info';
  Object.assign(env, opts.env ?? {});
  const [command, commandArgs] =
    opts.runAs === undefined
      ? [BIN, args]
      : [
          'setpriv',
          [
            `--reuid=${opts.runAs.uid}`,
            `--regid=${opts.runAs.gid}`,
            '--clear-groups',
            '--',
            process.execPath,
            BIN,
            ...args,
          ],
        ];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  // Generous: on a loaded 2-core machine (two test files, each with brokers) start-up has taken 20 s.
  const started = Date.now();
  while (!out.includes('Gregor broker started')) {
    const ended = child.exitCode ?? child.signalCode;
    if (Date.now() - started > START_TIMEOUT_MS || ended !== null) {
      const how =
        ended === null ? `still running after ${Date.now() - started} ms` : `exited with ${ended}`;
      // A broker left running would keep the test file's process alive after its tests end.
      child.kill('SIGKILL');
      throw new Error(`broker did not start (${how}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, bootstrap: `127.0.0.1:${opts.port}`, output: () => out, exited };
}
