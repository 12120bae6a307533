// Everything a benchmark run starts (servers, clients, temporary directories) registers
// its stop here, so one call ends them all: at the end of a section, on an error, on
// Ctrl-C or SIGTERM, and when the run's hard deadline passes. Stops run newest first,
// so the brokers go before the etcd they depend on. Child processes are also tracked
// so that however the runner ends, even by a crash, none of them outlives it.

import type { ChildProcess } from 'node:child_process';

type Stop = () => Promise<void> | void;

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills `child` with SIGKILL if it still runs when this process exits, whatever the cause. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

const stops: Array<{ readonly what: string; readonly stop: Stop }> = [];

/** Registers a stop; the returned function runs it now (once) and unregisters it. */
export function onCleanup(what: string, stop: Stop): () => Promise<void> {
  const entry = { what, stop };
  stops.push(entry);
  return async () => {
    const at = stops.indexOf(entry);
    if (at < 0) return;
    stops.splice(at, 1);
    await stop();
  };
}

/** Runs every registered stop, newest first; a failing stop is reported, not fatal. */
export async function cleanupAll(): Promise<void> {
  while (stops.length > 0) {
    const entry = stops.pop();
    if (entry === undefined) break;
    try {
      await entry.stop();
    } catch (err) {
      process.stderr.write(`cleanup of ${entry.what} failed: ${String(err)}\n`);
    }
  }
}

/** How many stops are registered: a section that leaks a process shows up here. */
export function pendingCleanups(): readonly string[] {
  return stops.map((s) => s.what);
}
