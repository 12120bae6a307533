// `gregor cluster`: the cluster at a glance, from DescribeCluster and Metadata:
// the cluster id (as kafka-cluster.sh cluster-id prints it), the controller,
// and one row per broker with its endpoint, rack, and how many partition
// leaders and replicas it holds.

import type { Command } from 'commander';
import { describeCluster } from '../client/admin.ts';
import {
  addBootstrapOption,
  addOutputOption,
  type CommonToolOptions,
  clientFor,
  jsonLine,
  outputFormat,
  runTool,
} from './tool-support.ts';

interface ClusterOptions extends CommonToolOptions {
  readonly output?: string;
}

export interface BrokerRow {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  readonly leaders: number;
  readonly replicas: number;
  readonly controller: boolean;
}

export function clusterText(
  clusterId: string,
  controllerId: number,
  rows: readonly BrokerRow[],
): string {
  const cells = (r: BrokerRow): string[] => [
    String(r.id),
    `${r.host}:${r.port}`,
    r.rack ?? '-',
    String(r.leaders),
    String(r.replicas),
    r.controller ? 'yes' : '',
  ];
  const header = ['ID', 'ENDPOINT', 'RACK', 'LEADERS', 'REPLICAS', 'CONTROLLER'];
  const all = [header, ...rows.map(cells)];
  const widths = header.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i < c.length - 1 ? v.padEnd(widths[i]! + 2) : v))
      .join('')
      .trimEnd();
  const controller = controllerId < 0 ? 'none' : String(controllerId);
  return `Cluster ID: ${clusterId}\nController: ${controller}\n\n${all.map(line).join('\n')}\n`;
}

export function addClusterCommand(program: Command): void {
  const cmd = program
    .command('cluster')
    .description('Show the cluster id, the controller and every broker with its endpoint and rack');
  addBootstrapOption(cmd);
  addOutputOption(cmd);
  cmd.action((opts: ClusterOptions) =>
    runTool('Error: ', async () => {
      const format = outputFormat(opts.output);
      const client = clientFor(opts, 'gregor-cluster');
      try {
        const cluster = await describeCluster(client);
        const md = await client.metadata(null);
        const partitions = md.topics.flatMap((t) => t.partitions);
        const rows = [...cluster.brokers]
          .sort((a, b) => a.nodeId - b.nodeId)
          .map((b) => ({
            id: b.nodeId,
            host: b.host,
            port: b.port,
            rack: b.rack,
            leaders: partitions.filter((p) => p.leaderId === b.nodeId).length,
            replicas: partitions.filter((p) => p.replicas.includes(b.nodeId)).length,
            controller: b.nodeId === cluster.controllerId,
          }));
        if (format === 'json') {
          process.stdout.write(
            jsonLine({
              clusterId: cluster.clusterId,
              controllerId: cluster.controllerId,
              brokers: rows,
            }),
          );
        } else {
          process.stdout.write(clusterText(cluster.clusterId, cluster.controllerId, rows));
        }
      } finally {
        client.close();
      }
    }),
  );
}
