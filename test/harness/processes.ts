// Runs the external Kafka clients our tests use (kcat, python3 with
// confluent-kafka) as child processes with a timeout, capturing their output.

import { spawn } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export const PYTHON = '/usr/bin/python3';

/** Runs a Python script (text) with the broker address in BOOTSTRAP; returns parsed JSON stdout. */
export async function runPython(
  script: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<unknown> {
  const r = await run(PYTHON, ['-c', script], { env: { ...process.env, ...env }, timeoutMs });
  if (r.code !== 0) throw new Error(`python exited ${r.code}: ${r.stderr}\n${r.stdout}`);
  const lastLine = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine);
}
