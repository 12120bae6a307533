// Shared set-up for partition log tests: a settable clock, a quiet logger that
// remembers warnings, and openers for a log on the in-memory or the real disk.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogFileSystem } from '../file-system.ts';
import { defaultLogConfig, type LogConfig } from '../log-config.ts';
import { PartitionLog, type PartitionLogLogger } from '../partition-log.ts';

export class TestClock {
  constructor(public nowMs = 1_700_000_000_000) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export class RecordingLogger implements PartitionLogLogger {
  readonly warnings: Array<{ fields: object; message: string }> = [];
  warn(fields: object, message: string): void {
    this.warnings.push({ fields, message });
  }
  info(): void {}
}

export interface TestLogSetup {
  readonly fs: LogFileSystem;
  readonly dir: string;
  readonly clock: TestClock;
  readonly logger: RecordingLogger;
  config: LogConfig;
}

export const TOPIC = 'orders';
export const PARTITION = 3;

export function openTestLog(setup: TestLogSetup): Promise<PartitionLog> {
  return PartitionLog.open({
    dir: setup.dir,
    topic: TOPIC,
    partition: PARTITION,
    config: setup.config,
    now: setup.clock.now,
    logger: setup.logger,
    fs: setup.fs,
  });
}

export function partitionDir(setup: TestLogSetup): string {
  return join(setup.dir, `${TOPIC}-${PARTITION}`);
}

export function testConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...defaultLogConfig, ...overrides };
}

/** A fresh directory on the real disk and a function that removes it. */
export async function realTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-log-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
