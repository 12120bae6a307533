// A light entry for the client tools (`gregor topics`, `gregor console-consumer`,
// ...): the same commands as main.ts without importing the broker, its metadata
// stores and their dependencies, so a tool starts in a fraction of the time.

import { Command } from 'commander';
import { addToolCommands } from './tool-commands.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('gregor')
    .description('Gregor: a Kafka-compatible event streaming broker without ZooKeeper');
  addToolCommands(program);
  await program.parseAsync(argv, { from: 'user' });
}
