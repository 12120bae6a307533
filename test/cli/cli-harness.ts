// Helpers for the CLI tests: run `bin/gregor` as a real process against a
// broker, and an in-process client to check what a command did.

import { join } from 'node:path';
import { KafkaClient } from '../../src/client/kafka-client.ts';
import { type RunResult, run } from '../harness/processes.ts';

export const GREGOR = join(import.meta.dirname, '..', '..', 'bin', 'gregor');

/** Runs `gregor <args>`; the broker address is appended unless `bootstrap` is null. */
export function gregor(
  bootstrap: string | null,
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const full = bootstrap === null ? [...args] : [...args, '--bootstrap-server', bootstrap];
  return run(GREGOR, full, {
    timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
}

export function clientOf(bootstrap: string): KafkaClient {
  return new KafkaClient({ bootstrapServers: [bootstrap], clientId: 'cli-test' });
}

/** Fails with the command's output when it did not exit 0. */
export function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0)
    throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Brokers for CLI tests start groups at once instead of waiting 3 s for more members. */
export const CLI_BROKER_CONFIG = { 'group.initial.rebalance.delay.ms': '0' };
