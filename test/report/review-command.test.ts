import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { FIRST_LINE, runCli, startCli } from '../../bench/lib/cli-process.mjs';
import { writeLedger } from '../../src/ledger/store.js';
import { demoLedger } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

describe('paiwo-batch review <out>', () => {
  it('prints the page URL first, saves posted marks to picks.json, and exits 0 on SIGTERM', async () => {
    await writeLedger(dir, demoLedger());
    const review = startCli(['review', dir, '--port', '0']);
    try {
      const url = await review.waitFor(FIRST_LINE, 'stdout');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect((await fetch(url)).status).toBe(200);
      const token = new URL(url).searchParams.get('token')!;
      const picks = { version: 1, updated_at: '2026-12-01T12:00:00.000Z', takes: { job2: { mark: 'favourite', note: '' } } };
      const res = await fetch(new URL('/picks', url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-paiwo-token': token }, body: JSON.stringify(picks) });
      expect(res.status).toBe(200);
      expect(JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8'))).toEqual(picks);
    } finally {
      review.child.kill('SIGTERM');
    }
    expect((await review.done).code).toBe(0);
  });

  it('exits 2 when the folder has no ledger', async () => {
    const { code, stderr } = await runCli(['review', join(dir, 'missing')]);
    expect(code).toBe(2);
    expect(stderr).toContain('no ledger.json');
  });
});
