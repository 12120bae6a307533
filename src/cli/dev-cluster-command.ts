// `gregor dev cluster`: a local etcd and N brokers as separate processes, the development
// stand-in for a Kubernetes StatefulSet. It prints `Bootstrap servers: ...` once every
// broker is up, passes on their output prefixed with [broker-i] / [etcd-i], reports a child
// that dies and keeps the rest running, and on SIGINT/SIGTERM stops brokers, then etcd.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError } from '../config/config-error.ts';
import { parseOverrideArgs } from '../config/config-sources.ts';
import {
  BASE_PORT_DEFAULT,
  type DevCluster,
  DevClusterUsageError,
  startDevCluster,
} from './dev-cluster.ts';

interface DevClusterCommandOptions {
  readonly brokers: string;
  readonly dataDir?: string;
  readonly basePort: string;
  readonly etcdMembers: string;
  readonly override: string[];
  readonly secure?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new DevClusterUsageError(`${flag} ${text}: give a whole number of at least ${min}`);
  }
  return value;
}

function note(line: string): void {
  process.stderr.write(`[dev-cluster] ${line}\n`);
}

/**
 * First signal: an orderly stop and exit 0. A Ctrl-C during the stop: SIGKILL everything,
 * exit 1. A repeated SIGTERM or SIGHUP changes nothing: `timeout` and supervisors send the
 * same signal to the process and to its group, so it often arrives twice at once.
 */
function stopOnSignals(cluster: DevCluster): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (signal !== 'SIGINT') return;
      note('Ctrl-C again: killing every process now');
      void cluster.kill().finally(() => process.exit(1));
      return;
    }
    stopping = true;
    note(`${signal}: stopping the brokers, then etcd`);
    cluster.stop().then(
      () => {
        note('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        note(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

async function run(opts: DevClusterCommandOptions): Promise<void> {
  const cluster = await startDevCluster({
    brokers: wholeNumber('--brokers', opts.brokers, 1),
    basePort: wholeNumber('--base-port', opts.basePort, 0),
    etcdMembers: wholeNumber('--etcd-members', opts.etcdMembers, 1),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    overrides: parseOverrideArgs(opts.override),
    ...(opts.secure === true ? { secure: true } : {}),
    // The brokers write to a pipe (ours); a person at our terminal still gets readable lines.
    env:
      process.stdout.isTTY && process.env['GREGOR_LOG_FORMAT'] === undefined
        ? { ...process.env, GREGOR_LOG_FORMAT: 'pretty' }
        : process.env,
    output: (line) => process.stdout.write(`${line}\n`),
    note,
  });
  stopOnSignals(cluster);
  const where = opts.dataDir !== undefined ? 'kept' : 'removed on exit';
  note(`cluster.id ${cluster.clusterId}, data in ${cluster.dataDir} (${where})`);
  note(`etcd at ${cluster.etcd.endpoints.join(',')}; Ctrl-C stops everything`);
  process.stdout.write(`Bootstrap servers: ${cluster.bootstrapServers}\n`);
  if (cluster.clientProperties !== null) {
    const text = await readFile(cluster.clientProperties, 'utf8');
    process.stdout.write(
      `Client properties (SASL_SSL, SCRAM-SHA-512, user admin): ${cluster.clientProperties}\n` +
        `${text}` +
        `Try: gregor topics --bootstrap-server ${cluster.bootstrapServers.split(',')[0]} ` +
        `--command-config ${cluster.clientProperties} --list\n`,
    );
  }
}

export function addDevCommand(program: Command): void {
  const dev = program.command('dev').description('Tools for development on one machine');
  dev
    .command('cluster')
    .description(
      'Run etcd and N brokers on 127.0.0.1 as separate processes until Ctrl-C ' +
        '(data in a temporary directory unless --data-dir is given)',
    )
    .option('--brokers <n>', 'number of brokers', '3')
    .option('--data-dir <dir>', 'keep etcd and broker data here across runs')
    .option(
      '--base-port <port>',
      'broker i listens on base-port + i - 1; 0 picks any free ports',
      String(BASE_PORT_DEFAULT),
    )
    .option('--etcd-members <n>', 'number of etcd members', '1')
    .option('--override <key=value>', 'a property for every broker (repeatable)', collect, [])
    .option(
      '--secure',
      'SASL_SSL listeners with a generated CA and certificates, SCRAM between brokers, an ' +
        'admin user; prints the client properties to connect with',
    )
    .action(async (opts: DevClusterCommandOptions) => {
      try {
        await run(opts);
      } catch (error) {
        if (error instanceof DevClusterUsageError || error instanceof ConfigError) {
          console.error(`gregor dev cluster: ${error.message}`);
          process.exit(2);
        }
        console.error(`gregor dev cluster: ${error instanceof Error ? error.message : error}`);
        process.exit(1);
      }
    });
}
