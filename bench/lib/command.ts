// Runs one external tool (kcat, iperf3, fio, a client script) to completion for a
// benchmark: wall time from spawn to exit, the CPU it used (charged to this process's
// reaped children by the kernel), its stdout kept or only its lines counted, and a
// timeout after which it is killed. Every child is registered for cleanup while it runs.

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { onCleanup, trackChild } from './cleanup.ts';
import { reapedChildrenCpuSeconds } from './proc-stats.ts';

export interface CommandOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Only count newline bytes of stdout instead of keeping it (a consumer's output). */
  readonly countLinesOnly?: boolean;
}

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The last 4 KiB of stderr, for error messages. */
  readonly stderrTail: string;
  readonly lines: number;
  readonly wallSeconds: number;
  /** User + system CPU of the command (and its own children), seconds. */
  readonly cpuSeconds: number;
  readonly timedOut: boolean;
}

const STDERR_TAIL_BYTES = 4096;

function countNewlines(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) n++;
  return n;
}

export function runCommand(
  cmd: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const started = performance.now();
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    const stopChild = onCleanup(`${cmd} (pid ${child.pid})`, () => {
      child.kill('SIGKILL');
    });
    const out: Buffer[] = [];
    let lines = 0;
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      lines += countNewlines(chunk);
      if (options.countLinesOnly !== true) out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      void stopChild();
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      const wallSeconds = (performance.now() - started) / 1000;
      clearTimeout(timer);
      void stopChild();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderrTail: stderr,
        lines,
        wallSeconds,
        cpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
        timedOut,
      });
    });
  });
}

/** As runCommand, but an exit other than 0 (or a timeout) is an error with stderr's tail. */
export async function runChecked(
  cmd: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const r = await runCommand(cmd, args, options);
  if (r.timedOut) throw new Error(`${cmd} timed out after ${options.timeoutMs} ms`);
  if (r.code !== 0) {
    throw new Error(`${cmd} exited with ${r.code ?? r.signal}: ${r.stderrTail.trim()}`);
  }
  return r;
}
