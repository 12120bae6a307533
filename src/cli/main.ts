// The `gregor` command: subcommands named after Kafka's scripts, so Kafka
// users' habits carry over (`gregor server`, later `gregor topics`, ...).

import { Command } from 'commander';
import { addDevCommand } from './dev-cluster-command.ts';
import { addServerCommand } from './server-command.ts';
import { addToolCommands } from './tool-commands.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('gregor')
    .description('Gregor: a Kafka-compatible event streaming broker without ZooKeeper');
  addServerCommand(program);
  addDevCommand(program);
  addToolCommands(program);
  await program.parseAsync(argv, { from: 'user' });
}
