import type { Command } from 'commander';
import { InternalError } from '../../errors/paiwo-error.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check manifests; print every problem as file:line:column  path  message (exit 0 valid, 2 invalid)')
    .argument('<paths...>', 'manifest files or globs, e.g. "manifests/**/*.yaml"')
    .option('--json', 'print the result as one JSON document on stdout')
    .action(async () => {
      throw new InternalError('validate: not wired yet');
    });
}
