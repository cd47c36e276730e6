import type { Command } from 'commander';
import { validateCommand } from '../../commands/validate.js';
import { processIO } from '../io.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check manifests; print every problem as file:line:column  path  message (exit 0 valid, 2 invalid)')
    .argument('<paths...>', 'manifest files or globs, e.g. "manifests/**/*.yaml"')
    .option('--json', 'print the result as one JSON document on stdout')
    .action(async (paths: string[], options: { json?: boolean }) => {
      process.exitCode = await validateCommand(paths, { json: options.json === true }, processIO());
    });
}
