import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

/**
 * The example manifests the project ships (tracked in git), by name. Tests that read "every example" use this
 * list, never a listing of manifests/: a user's own `manifests/bad.yaml` (the README suggests saving one there)
 * must not fail `npm test`. A test checks the list against `git ls-files manifests/`.
 */
export const EXAMPLE_MANIFESTS = ['cat-sweep.yaml', 'demo.yaml', 'seed-sweep.yaml'] as const;

/** Absolute paths of the example manifests. */
export const exampleManifestPaths = (): string[] => EXAMPLE_MANIFESTS.map((f) => path.join(ROOT, 'manifests', f));

/** The manifests git tracks in manifests/ (null outside a git checkout, e.g. an unpacked tarball). */
export function trackedManifests(): string[] | null {
  try {
    const out = execFileSync('git', ['ls-files', '--', 'manifests/'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').filter((l) => /\.ya?ml$/.test(l)).map((l) => path.basename(l)).sort();
  } catch {
    return null;
  }
}
