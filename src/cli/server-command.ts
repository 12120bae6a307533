// `gregor server`: runs one broker in the foreground, like kafka-server-start.sh.
// Configuration comes from an optional properties file, GREGOR_* environment
// variables, --override key=value flags and --metadata (short for metadata.store).
// SIGTERM and SIGINT flush the logs and stop cleanly (a Kubernetes pod deletion sends
// SIGTERM first). A start-up failure with a Gregor error code prints one line: exit
// code 2 for a configuration the operator must fix, 1 for anything else.

import type { Command } from 'commander';
import { type Broker, startBroker } from '../broker.ts';
import { ConfigError } from '../config/config-error.ts';
import { parseOverrideArgs } from '../config/config-sources.ts';
import { createLogger } from '../util/logger.ts';
import { withMetadataOption } from './metadata-option.ts';

interface ServerOptions {
  readonly config?: string;
  readonly override: string[];
  readonly metadata?: string;
  readonly addScram: string[];
}

/**
 * --add-scram values, plus GREGOR_ADD_SCRAM (values separated by `;`), which keeps the
 * password out of the process list.
 */
function addScramValues(opts: ServerOptions, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = (env['GREGOR_ADD_SCRAM'] ?? '')
    .split(';')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return [...opts.addScram, ...fromEnv];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * One line for an error carrying a Gregor code (an unreachable metadata store, a taken
 * port reported by the server): the operator needs the code and the cause, not a stack.
 */
function gregorErrorLine(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const code = 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && code.startsWith('GREGOR_ERR_')) {
    return err.message.startsWith(code) ? err.message : `${code}: ${err.message}`;
  }
  // Some start-up checks throw a plain Error whose message begins with its code.
  return /^GREGOR_ERR_[A-Z_]+: /.test(err.message) ? err.message : null;
}

export function addServerCommand(program: Command): void {
  program
    .command('server')
    .description('Start a Gregor broker (defaults: PLAINTEXT://localhost:9092, data in ./data)')
    .argument('[server.properties]', 'a Kafka-style properties file')
    .option('-c, --config <file>', 'a Kafka-style properties file')
    .option('--override <key=value>', 'set a broker property (repeatable)', collect, [])
    .option(
      '--metadata <url>',
      'metadata store, short for --override metadata.store=<url>: ' +
        'etcd://host:port[,host:port...] or embedded:[path]',
    )
    .option(
      '--add-scram <SCRAM-SHA-256=[name=...,password=...]>',
      'create a SCRAM user if it has no credential yet, as kafka-storage format ' +
        '--add-scram (repeatable; GREGOR_ADD_SCRAM keeps the password out of ps)',
      collect,
      [],
    )
    .action(async (file: string | undefined, opts: ServerOptions) => {
      const logger = createLogger();
      const configFile = opts.config ?? file;
      // Handlers first: as a container's PID 1, a signal without a handler is ignored, and a
      // pod deleted during a long log recovery would wait out its whole grace period.
      let broker: Broker | null = null;
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        if (broker === null) {
          // Nothing acknowledged yet to hand over; recovery is redone at the next start.
          logger.info({ signal }, 'stopping during start-up');
          logger.flush();
          process.exit(0);
        }
        logger.info({ signal }, 'shutting down');
        broker.close().then(
          () => {
            logger.flush();
            process.exit(0);
          },
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            logger.flush();
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      try {
        broker = await startBroker({
          ...(configFile !== undefined ? { configFile } : {}),
          config: withMetadataOption(parseOverrideArgs(opts.override), opts.metadata),
          env: process.env,
          logger,
          addScram: addScramValues(opts, process.env),
        });
      } catch (err) {
        if (err instanceof ConfigError) {
          console.error(`${err.code}: ${err.message}`);
          process.exit(2);
        }
        const line = gregorErrorLine(err);
        if (line !== null) {
          logger.flush();
          console.error(line);
          process.exit(1);
        }
        throw err;
      }
    });
}
