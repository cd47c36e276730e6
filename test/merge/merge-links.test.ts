import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { mergeCommand } from '../../src/commands/merge.js';
import { writeLedger } from '../../src/ledger/store.js';
import { makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { runBuffered } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';

/** Issue 22, item 10: merge never writes a video through a linked subfolder of the target, a path run refuses. */
describe('merge and links in the target', () => {
  it('a subfolder of --into that is a link to elsewhere gets no video; the merge says so; the other videos land', async ({ tmp }) => {
    const s1 = join(tmp, 's1');
    const into = join(tmp, 'into');
    const elsewhere = join(tmp, 'elsewhere');
    const jobs = [makeLedgerJob({ id: 'job0', file: 'sub/job0.mp4' }), makeLedgerJob({ id: 'job1', file: 'job1.mp4' })];
    await mkdir(join(s1, 'sub'), { recursive: true });
    await writeLedger(s1, makeLedger(jobs));
    for (const j of jobs) await writeFile(join(s1, j.file), `video of ${j.id}`);
    await mkdir(into);
    await mkdir(elsewhere);
    await symlink(elsewhere, join(into, 'sub'));
    const r = await runBuffered((io) => mergeCommand([s1], { into }, io));
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(elsewhere)).toEqual([]);
    expect(r.stderr).toMatch(/job job0: the folder of sub\/job0\.mp4 .* leads outside it \(a symbolic link\); not written/);
    expect(await readdir(into)).toContain('job1.mp4');
  });
});
