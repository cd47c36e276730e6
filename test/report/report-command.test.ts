import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli, runCliOk } from '../../bench/lib/cli-process.mjs';
import { openLedger, writeLedger } from '../../src/ledger/store.js';
import { demoLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';
import { readPageData } from './report-page.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

describe('paiwo-batch report', () => {
  it('writes report.html beside the ledger and prints its path', async () => {
    const ledger = demoLedger();
    await writeLedger(dir, ledger);
    for (const job of ledger.jobs) await writeFile(join(dir, job.file), 'x');
    const { stdout } = await runCliOk(['report', dir]);
    expect(stdout.trim()).toBe(join(dir, 'report.html'));
    expect(readPageData(await readFile(join(dir, 'report.html'), 'utf8')).takes.filter((t) => t.src !== null)).toHaveLength(8);
  });

  it('says on stderr when posters need ffmpeg, and still writes the report', async () => {
    const ledger = demoLedger();
    await writeLedger(dir, ledger);
    for (const job of ledger.jobs) await writeFile(join(dir, job.file), 'x');
    const { stdout, stderr } = await runCliOk(['report', dir], { env: { PAIWO_FFMPEG: join(dir, 'no-ffmpeg') } });
    expect(stdout.trim()).toBe(join(dir, 'report.html'));
    expect(stderr).toContain('ffmpeg not found');
    expect(readPageData(await readFile(join(dir, 'report.html'), 'utf8')).raw.ffmpeg).toBe(false);
  });

  it('includes what only the journal knows (a run that crashed before its snapshot)', async () => {
    const store = await openLedger(dir);
    await store.put(makeLedgerJob({ id: 'late', status: 'pending' }));
    await store.snapshot();
    await store.update('late', { status: 'failed', error: { code: 8, message: 'journal-only failure' } });
    await store.flush();
    await runCliOk(['report', dir]);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('journal-only failure');
    await store.close();
  });

  it('exits 2 with one line when the folder has no ledger', async () => {
    const error = await runCli(['report', join(dir, 'missing')]);
    expect(error?.code).toBe(2);
    expect(error?.stderr.trim().split('\n')).toHaveLength(1);
  });
});
