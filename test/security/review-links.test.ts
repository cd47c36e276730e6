import { copyFile, mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { writeLedger } from '../../src/ledger/store.js';
import { posterPath } from '../../src/report/posters.js';
import { startReviewServer } from '../../src/report/review-server.js';
import { makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';

/** Issue 22, item 8: media need the token (or the page's cookie), and no part of a served path may be a link. */
const MEDIA = resolve('fixtures/media');

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; cookie: string[] }> {
  return new Promise((done, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), cookie: res.headers['set-cookie'] ?? [] }));
    })
      .on('error', reject)
      .end();
  });
}

async function folder(tmp: string): Promise<{ out: string; elsewhere: string; poster: string }> {
  const out = join(tmp, 'out');
  const elsewhere = join(tmp, 'elsewhere');
  await mkdir(join(out, 'takes'), { recursive: true });
  await mkdir(join(out, '.posters'), { recursive: true });
  await mkdir(elsewhere);
  const job = makeLedgerJob({ id: 'job0', file: 'takes/job0.mp4' });
  await copyFile(join(MEDIA, '360p-1x1-silent.mp4'), join(out, 'takes/job0.mp4'));
  const poster = posterPath('job0')!;
  await writeFile(join(out, poster), 'a poster');
  await writeLedger(out, makeLedger([job]));
  return { out, elsewhere, poster };
}

describe('review server: media', () => {
  it('need the token or the cookie the page set; without either, 403', async ({ tmp }) => {
    const { out, poster } = await folder(tmp);
    const server = await startReviewServer({ outDir: out });
    const base = new URL(server.url).origin;
    try {
      expect((await get(`${base}/takes/job0.mp4`)).status).toBe(403);
      expect((await get(`${base}/${poster}`)).status).toBe(403);
      expect((await get(`${base}/takes/job0.mp4`, { cookie: 'paiwo-review-1=nope' })).status).toBe(403);
      expect((await get(`${base}/takes/job0.mp4?token=${server.token}`)).status).toBe(200);
      const page = await get(server.url);
      expect(page.status).toBe(200);
      const cookie = page.cookie.find((c) => c.startsWith('paiwo-review-'))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const pair = cookie.split(';')[0]!;
      expect((await get(`${base}/takes/job0.mp4`, { cookie: pair })).status).toBe(200);
      expect((await get(`${base}/${poster}`, { cookie: `other=1; ${pair}` })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('never through a link: .posters/ or a take\'s subfolder replaced by a link is not served', async ({ tmp }) => {
    const { out, elsewhere, poster } = await folder(tmp);
    const server = await startReviewServer({ outDir: out });
    const base = new URL(server.url).origin;
    const t = `?token=${server.token}`;
    try {
      expect((await get(`${base}/takes/job0.mp4${t}`)).status).toBe(200);
      expect((await get(`${base}/${poster}${t}`)).status).toBe(200);
      // The same names, now behind links to another folder holding files of those names.
      await mkdir(join(elsewhere, 'takes'));
      await writeFile(join(elsewhere, 'takes/job0.mp4'), 'SECRET video');
      await writeFile(join(elsewhere, poster.split('/').slice(1).join('/')), 'SECRET poster');
      await rename(join(out, 'takes'), join(tmp, 'takes-moved'));
      await symlink(join(elsewhere, 'takes'), join(out, 'takes'));
      await rename(join(out, '.posters'), join(tmp, 'posters-moved'));
      await symlink(elsewhere, join(out, '.posters'));
      for (const path of ['takes/job0.mp4', poster]) {
        const r = await get(`${base}/${path}${t}`);
        expect(r.status, path).toBe(404);
        expect(r.body).not.toContain('SECRET');
      }
    } finally {
      await server.close();
    }
  });
});
