import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from './ledger-types.js';

/** Writes `<outDir>/report.html` and returns its path. (The gallery is being built; this keeps callers compiling.) */
export async function writeReport(outDir: string, ledger: Ledger): Promise<string> {
  const path = join(outDir, 'report.html');
  await writeFile(path, `<!doctype html><meta charset="utf-8"><title>paiwo-batch report</title><p>${ledger.jobs.length} jobs</p>\n`);
  return path;
}
