// `gregor server`: runs one broker in the foreground, like kafka-server-start.sh.
// Configuration comes from an optional properties file, GREGOR_* environment
// variables and --override key=value flags. SIGTERM and SIGINT flush the logs
// and stop cleanly (a Kubernetes pod deletion sends SIGTERM first).

import type { Command } from 'commander';
import { startBroker } from '../broker.ts';
import { ConfigError } from '../config/config-error.ts';
import { parseOverrideArgs } from '../config/config-sources.ts';
import { createLogger } from '../util/logger.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addServerCommand(program: Command): void {
  program
    .command('server')
    .description('Start a Gregor broker (defaults: PLAINTEXT://localhost:9092, data in ./data)')
    .argument('[server.properties]', 'a Kafka-style properties file')
    .option('-c, --config <file>', 'a Kafka-style properties file')
    .option('--override <key=value>', 'set a broker property (repeatable)', collect, [])
    .action(async (file: string | undefined, opts: { config?: string; override: string[] }) => {
      const logger = createLogger();
      const configFile = opts.config ?? file;
      try {
        const broker = await startBroker({
          ...(configFile !== undefined ? { configFile } : {}),
          config: parseOverrideArgs(opts.override),
          env: process.env,
          logger,
        });
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, 'shutting down');
          broker.close().then(
            () => process.exit(0),
            (err: unknown) => {
              logger.error({ err }, 'shutdown failed');
              process.exit(1);
            },
          );
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      } catch (err) {
        if (err instanceof ConfigError) {
          console.error(`${err.code}: ${err.message}`);
          process.exit(2);
        }
        throw err;
      }
    });
}
