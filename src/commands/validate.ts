import type { CommandIO } from './command-io.js';
import { formatDiagnostic } from '../errors/manifest-error.js';
import { scanManifests } from '../manifest/load-manifests.js';
import { EXIT } from '../errors/exit-codes.js';

export interface ValidateCommandOptions {
  /** Print `{"valid","files","errors","warnings"}` on stdout. */
  readonly json?: boolean;
  /** @default process.cwd() */
  readonly cwd?: string;
}

/**
 * `paiwo-batch validate`: checks every manifest the paths and globs name and prints every problem as
 * `file:line:column  path  message` on stderr. Exit 0 when valid (warnings allowed), 2 otherwise. Reads files
 * only; never contacts the network.
 */
export async function validateCommand(patterns: readonly string[], options: ValidateCommandOptions, io: CommandIO): Promise<number> {
  const scan = await scanManifests(patterns, options.cwd !== undefined ? { cwd: options.cwd } : {});
  const errors = scan.diagnostics.filter((d) => d.severity === 'error');
  const warnings = scan.diagnostics.filter((d) => d.severity === 'warning');
  for (const d of scan.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  const valid = errors.length === 0;
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ valid, files: scan.files, errors, warnings }, null, 2)}\n`);
  } else if (valid) {
    const credits = scan.jobs.reduce((sum, j) => sum + j.estimatedCredits, 0);
    io.stdout.write(
      `valid: ${scan.files.length} manifest${scan.files.length === 1 ? '' : 's'}, ${scan.jobs.length} job${scan.jobs.length === 1 ? '' : 's'}, ` +
        `about ${credits.toLocaleString('en-US')} credits${warnings.length ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}\n`,
    );
  }
  if (!valid) {
    const files = new Set(errors.map((d) => d.file)).size;
    io.stderr.write(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; nothing was sent.\n`);
  }
  return valid ? EXIT.ok : EXIT.usage;
}
