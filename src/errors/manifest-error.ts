import type { Diagnostic } from './diagnostic.js';
import { UserError } from './paiwo-error.js';
import { printableLine } from '../util/printable.js';

/**
 * The path column never holds whitespace, so an editor or script can split a diagnostic on it: a key with a
 * space is quoted as a JSON string (src/manifest/problem.ts `formatPath`) and every whitespace character in it is
 * written as its JSON `\uXXXX` escape — `defaults["negative\u0020prompt"]`, which reads back (JSON.parse of the
 * quoted part) as the key the user wrote.
 */
export function pathColumn(path: string): string {
  if (path === '') return '(file)';
  return path.replace(/\s/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `file:line:column  path.to.field  message` — one line per problem, as editors and CI annotate them. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const tag = d.severity === 'warning' ? 'warning: ' : '';
  // A manifest's values (quoted in messages) may hold control characters: shown escaped, never obeyed.
  return printableLine(`${where}  ${pathColumn(d.path)}  ${tag}${d.message}`);
}

/** One or more manifests are invalid: carries every problem of every file at once. */
export class ManifestError extends UserError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super('MANIFEST_INVALID', `${errors.length} problem${errors.length === 1 ? '' : 's'} in the manifests:\n${errors.map(formatDiagnostic).join('\n')}`);
  }
}
