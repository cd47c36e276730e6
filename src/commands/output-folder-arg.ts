import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { UserError } from '../errors/paiwo-error.js';
import { LEDGER_FILE } from '../ledger/store.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../manifest/parse-manifest.js';
import type { LoadedManifest } from '../manifest/types.js';
import { outputFolderOf } from '../plan-folders.js';

/** The code of the usage error said when `status`, `report` or `review` is given a file instead of an output folder. */
export const NOT_AN_OUTPUT_FOLDER = 'NOT_AN_OUTPUT_FOLDER';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml']);

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The manifest in the file, if it parses as one (files over the manifest limit are not read). */
async function manifestIn(file: string, size: number): Promise<LoadedManifest | undefined> {
  if (size > MAX_MANIFEST_BYTES) return undefined;
  try {
    return parseManifest(await readFile(file, 'utf8'), file).manifest;
  } catch {
    return undefined;
  }
}

/** "output/cat-sweep/ (a run) or output/cat-sweep.rehearsal/ (a rehearsal, run --simulator)", existing ones marked. */
async function foldersOf(m: LoadedManifest, cwd: string): Promise<string> {
  const exists = async (dir: string): Promise<boolean> => (await stat(dir).catch(() => null))?.isDirectory() === true;
  const said = async (dir: string, what: string): Promise<string> => `${shown(dir, cwd)}/ (${what}${(await exists(dir)) ? '' : ', not written yet'})`;
  const real = outputFolderOf(m, undefined, undefined, cwd, false);
  const rehearsal = outputFolderOf(m, undefined, undefined, cwd, true);
  return `${await said(real, 'a run')} or ${await said(rehearsal, 'a rehearsal, run --simulator')}`;
}

/**
 * `status`, `report` and `review` read an output folder. Given a file instead — most often the manifest itself —
 * they would fail deep in the ledger code with a misleading "cannot write …/ledger.json" (exit 7): this says what
 * the file is and, for a manifest, the folders its runs write, as a usage error (exit 2). A folder, or a path
 * that does not exist, is left to the ledger code, which words those.
 */
export async function requireOutputFolder(command: string, arg: string, cwd: string = process.cwd()): Promise<void> {
  const path = resolve(cwd, arg);
  const info = await stat(path).catch(() => null);
  if (!info || info.isDirectory()) return;
  if (basename(path) === LEDGER_FILE) {
    throw new UserError(NOT_AN_OUTPUT_FOLDER, `${arg} is the ledger file; give ${command} the folder that holds it: paiwo-batch ${command} ${shown(dirname(path), cwd)}`);
  }
  const manifest = info.isFile() ? await manifestIn(path, info.size) : undefined;
  if (manifest) {
    throw new UserError(NOT_AN_OUTPUT_FOLDER, `${arg} is a manifest, not an output folder; ${command} reads the folder a run of it writes: ${await foldersOf(manifest, cwd)}`);
  }
  if (MANIFEST_EXTENSIONS.has(extname(path).toLowerCase())) {
    const name = basename(path, extname(path));
    throw new UserError(
      NOT_AN_OUTPUT_FOLDER,
      `${arg} looks like a manifest (and does not validate: see paiwo-batch validate ${arg}), not an output folder; ${command} reads the folder a run writes: output/${name}/ (or output/${name}.rehearsal/ for a rehearsal) unless the manifest's name or run.out says otherwise`,
    );
  }
  throw new UserError(NOT_AN_OUTPUT_FOLDER, `${arg} is a file, not an output folder: ${command} reads a folder holding ${LEDGER_FILE}`);
}
