import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeLedger } from '../../src/results/ledger-store.js';
import { demoLedger } from '../fixtures/ledgers/make-ledger.js';

const CLI = resolve('dist/cli/main.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paiwo-review-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('paiwo-batch review <out>', () => {
  it('prints the page URL first, saves posted marks to picks.json, and exits 0 on SIGTERM', async () => {
    await writeLedger(dir, demoLedger());
    const child = spawn('node', [CLI, 'review', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolveUrl(out.split('\n')[0]!);
        });
        child.on('exit', () => reject(new Error(`review exited before printing its URL: ${out}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect((await fetch(url)).status).toBe(200);
      const token = new URL(url).searchParams.get('token')!;
      const picks = { version: 1, updated_at: '2026-12-01T12:00:00.000Z', takes: { job2: { mark: 'favourite', note: '' } } };
      const res = await fetch(new URL('/picks', url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-paiwo-token': token }, body: JSON.stringify(picks) });
      expect(res.status).toBe(200);
      expect(JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8'))).toEqual(picks);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('exits 2 when the folder has no ledger', async () => {
    const child = spawn('node', [CLI, 'review', join(dir, 'missing')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((r) => child.on('exit', r))).toBe(2);
    expect(stderr).toContain('no ledger.json');
  });
});
