import type { Diagnostic } from './diagnostic.js';
import { UserError } from './paiwo-error.js';
import { printableLine } from '../util/printable.js';

/** `file:line:column  path.to.field  message` — one line per problem, as editors and CI annotate them. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const tag = d.severity === 'warning' ? 'warning: ' : '';
  // A manifest's values (quoted in messages) may hold control characters: shown escaped, never obeyed.
  return printableLine(`${where}  ${d.path || '(file)'}  ${tag}${d.message}`);
}

/** One or more manifests are invalid: carries every problem of every file at once. */
export class ManifestError extends UserError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super('MANIFEST_INVALID', `${errors.length} problem${errors.length === 1 ? '' : 's'} in the manifests:\n${errors.map(formatDiagnostic).join('\n')}`);
  }
}
