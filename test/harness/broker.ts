// Starts an in-process Gregor broker on a free port with a fresh data dir,
// for tests that drive it through real Kafka clients.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Broker, startBroker } from '../../src/index.ts';

export interface TestBroker {
  readonly broker: Broker;
  readonly dataDir: string;
  readonly bootstrap: string;
  /** Stops the broker and removes its data dir. */
  stop(): Promise<void>;
  /** Stops and starts the broker again on the same port and data dir. */
  restart(): Promise<TestBroker>;
}

export async function startTestBroker(
  config: Record<string, string> = {},
  dataDir?: string,
  port = 0,
): Promise<TestBroker> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'gregor-test-')));
  const broker = await startBroker({ dataDir: dir, port, host: '127.0.0.1', config });
  const bootstrap = `127.0.0.1:${broker.port}`;
  const self: TestBroker = {
    broker,
    dataDir: dir,
    bootstrap,
    async stop() {
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await broker.close();
      return startTestBroker(config, dir, broker.port);
    },
  };
  return self;
}

export function uniqueTopic(prefix = 't'): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
