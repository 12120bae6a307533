// The Kafka-style client tools of the `gregor` command, registered together so
// that both the full command (main.ts) and the light entry for the tools alone
// (tools-main.ts, which skips loading the broker) offer the same commands.

import type { Command } from 'commander';
import { addClusterCommand } from './cluster-command.ts';
import { addConfigsCommand } from './configs-command.ts';
import { addConsoleConsumerCommand } from './console-consumer-command.ts';
import { addConsoleProducerCommand } from './console-producer-command.ts';
import { addConsumerGroupsCommand } from './consumer-groups-command.ts';
import { addDrainCommands } from './drain-command.ts';
import { addK8sCommand } from './k8s-command.ts';
import { addLeaderElectionCommand } from './leader-election-command.ts';
import { addPerfCommand } from './perf-command.ts';
import { addReassignPartitionsCommand } from './reassign-partitions-command.ts';
import { addTopicsCommand } from './topics-command.ts';
import { addTransactionsCommand } from './transactions-command.ts';

/** The first argument of each tool: bin/gregor starts these without loading the broker. */
export const TOOL_COMMANDS: readonly string[] = [
  'topics',
  'console-producer',
  'console-consumer',
  'consumer-groups',
  'configs',
  'cluster',
  'perf',
  'leader-election',
  'reassign-partitions',
  'transactions',
  'k8s',
  'drain',
  'rebalance',
];

export function addToolCommands(program: Command): void {
  addTopicsCommand(program);
  addConsoleProducerCommand(program);
  addConsoleConsumerCommand(program);
  addConsumerGroupsCommand(program);
  addConfigsCommand(program);
  addClusterCommand(program);
  addPerfCommand(program);
  addLeaderElectionCommand(program);
  addReassignPartitionsCommand(program);
  addTransactionsCommand(program);
  addK8sCommand(program);
  addDrainCommands(program);
}
