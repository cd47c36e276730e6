import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { formatDiagnostic } from '../../src/errors/manifest-error.js';
import { parseManifest, type ParseManifestOptions } from '../../src/manifest/parse-manifest.js';
import type { Diagnostic, LoadedManifest } from '../../src/manifest/types.js';

/** Parses YAML given as a template literal (common indentation removed). */
export function parse(text: string, options?: ParseManifestOptions, file = 'test.yaml'): { manifest?: LoadedManifest; diagnostics: Diagnostic[] } {
  return parseManifest(dedent(text), file, options);
}

export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** The manifest, failing the test with its diagnostics when there is none. */
export function valid(text: string, options?: ParseManifestOptions): LoadedManifest {
  const r = parse(text, options);
  if (!r.manifest) throw new Error(`expected a valid manifest, got:\n${r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path} ${d.message}`).join('\n')}`);
  return r.manifest;
}

export function errorsOf(text: string, options?: ParseManifestOptions): Diagnostic[] {
  const r = parse(text, options);
  return r.diagnostics.filter((d) => d.severity === 'error');
}

export function warningsOf(text: string, options?: ParseManifestOptions): Diagnostic[] {
  return parse(text, options).diagnostics.filter((d) => d.severity === 'warning');
}

export const FIXTURES = 'test/fixtures/manifests';

/** The formatted diagnostics of an invalid fixture file (the test fails if the file yields a manifest). */
export function fixtureDiagnosticLines(name: string): string[] {
  const file = `${FIXTURES}/${name}`;
  const { manifest, diagnostics } = parseManifest(readFileSync(file, 'utf8'), file);
  expect(manifest).toBeUndefined();
  return diagnostics.map(formatDiagnostic);
}
