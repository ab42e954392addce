import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { decodeCommand } from './commands/decode.command.js';
import { locateCommand } from './commands/locate.command.js';
import { migrateCommand } from './commands/migrate.command.js';
import { occupancyCommand } from './commands/occupancy.command.js';
import { pluginsCommand } from './commands/plugins.command.js';
import { simulateCommand } from './commands/simulate.command.js';

/** The repository root (this file is `apps/cli/{src,dist}/main.*`). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function buildProgram(): Command {
  const program = new Command('aisle')
    .description('Aisle command line: plugins, database, simulator')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.addCommand(decodeCommand(ROOT));
  program.addCommand(migrateCommand());
  program.addCommand(occupancyCommand(ROOT));
  program.addCommand(pluginsCommand(ROOT));
  program.addCommand(simulateCommand());
  program.addCommand(locateCommand());
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI; returns the exit code. Errors go to stderr, never a stack for user errors. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`aisle: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`aisle: ${message}\n`);
    return 1;
  }
}
