// A long-running client process (kcat -G, a Python consumer) whose output
// lines a test watches: start it, wait until a line (or the lines so far)
// satisfy a condition, pause it with SIGSTOP, stop it. Every wait has a deadline.

import { type ChildProcess, spawn } from 'node:child_process';

export class LineProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  exitCode: number | null = null;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly watchers = new Set<() => void>();

  constructor(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    collectLines(this.child.stdout!, this.stdout, () => this.notify());
    collectLines(this.child.stderr!, this.stderr, () => this.notify());
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        this.exitCode = code;
        this.notify();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves once `check` holds (checked on every new line); rejects after timeoutMs. */
  waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const watcher = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolve();
      };
      const timer = setTimeout(() => {
        this.watchers.delete(watcher);
        const tail = [...this.stdout.slice(-5), ...this.stderr.slice(-10)].join('\n');
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last output:\n${tail}`),
        );
      }, timeoutMs);
      this.watchers.add(watcher);
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exitCode === null) this.child.kill(sig);
  }

  /** SIGTERM (or the given signal), then SIGKILL if it has not exited within graceMs. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(sig);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }
}

function collectLines(stream: NodeJS.ReadableStream, into: string[], onLine: () => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) into.push(line);
    if (parts.length > 0) onLine();
  });
}

/**
 * Polls `check` every 20 ms until it holds, for conditions spanning several processes;
 * `what` may be a function, to describe the state reached when it times out.
 */
export async function until(
  what: string | (() => string),
  check: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      const described = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
