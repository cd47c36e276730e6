import { execFileSync } from 'node:child_process';
import { copyFile, link, mkdir, readFile, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect } from 'vitest';
import { ensurePosters } from '../../src/report/posters.js';
import { writeReport } from '../../src/report/write-report.js';
import { startReviewServer } from '../../src/report/review-server.js';
import { writeLedger } from '../../src/ledger/store.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { demoLedger, makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { CHROMIUM, describeWith } from '../helpers/requirements.js';
import { it } from '../helpers/temp-dir.js';
import { readPageData } from './report-page.js';
import { LAUNCH } from './review-fixture.js';

const MEDIA = resolve('fixtures/media/360p-16x9-silent.mp4');

describe('small posters for the compact grid', () => {
  it('are made with each poster, smaller, marked in the page data, and served by review', async ({ tmp: folder }) => {
    const jobs = demoLedger().jobs.slice(0, 2);
    for (const job of jobs) await copyFile(MEDIA, join(folder, job.file));
    const made = await ensurePosters(folder, jobs);
    expect([...made.small].sort()).toEqual(['job0', 'job1']);
    const [large, small] = await Promise.all([stat(join(folder, '.posters/job0.jpg')), stat(join(folder, '.posters/job0.small.jpg'))]);
    expect(small.size).toBeLessThan(large.size);
    expect(small.mtimeMs).toBeLessThanOrEqual(large.mtimeMs);
    const page = readPageData(await readFile(await writeReport(folder, makeLedger(jobs)), 'utf8'));
    expect(page.takes.map((t) => (t as unknown as { small_poster: number }).small_poster)).toEqual([1, 1]);
    await writeLedger(folder, makeLedger(jobs));
    const server = await startReviewServer({ outDir: folder });
    try {
      const res = await fetch(new URL(`/.posters/job0.small.jpg?token=${server.token}`, server.url));
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    } finally {
      await server.close();
    }
  });

  it('an older folder with large posters only keeps them (no re-extraction) and the page uses them', async ({ tmp: folder }) => {
    const jobs = demoLedger().jobs.slice(0, 1);
    await copyFile(MEDIA, join(folder, jobs[0]!.file));
    await mkdir(join(folder, '.posters'));
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', MEDIA, '-frames:v', '1', join(folder, '.posters/job0.jpg')]);
    const later = new Date(Date.now() + 60_000);
    await utimes(join(folder, '.posters/job0.jpg'), later, later);
    const result = await ensurePosters(folder, jobs, { ffmpeg: join(folder, 'no-ffmpeg') });
    expect([result.posters.get('job0'), result.small.size, result.ffmpeg]).toEqual(['.posters/job0.jpg', 0, true]);
  });
});

describeWith([CHROMIUM], 'small posters in the page', () => {
  it('a compact grid shows the small posters; a size over 80 px the large ones', async ({ tmp: folder }) => {
    const poster = join(folder, 'p.jpg');
    const small = join(folder, 'p.small.jpg');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', MEDIA, '-frames:v', '1', '-vf', 'scale=480:-2', poster]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', MEDIA, '-frames:v', '1', '-vf', 'scale=160:-2', small]);
    const later = new Date(Date.now() + 60_000);
    await utimes(poster, later, later);
    await utimes(small, later, later);
    await mkdir(join(folder, '.posters'));
    const jobs: LedgerJob[] = [];
    for (let p = 0; p < 20; p++) for (let seed = 1; seed <= 20; seed++) {
      const job = makeLedgerJob({ id: `t${jobs.length}`, file: `p${p}_s${seed}.mp4`, request: { model: 'paiwo-v5.6-ttv', input: `prompt ${p}`, aspect_ratio: '16:9', quality: '360p', duration: 5, seed }, axes: { prompt: `p${p}`, seed } });
      jobs.push(job);
      await link(MEDIA, join(folder, job.file));
      await link(poster, join(folder, `.posters/${job.id}.jpg`));
      await link(small, join(folder, `.posters/${job.id}.small.jpg`));
    }
    const path = await writeReport(folder, makeLedger(jobs), { extractPosters: false });
    const browser = await chromium.launch(LAUNCH);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(pathToFileURL(path).href);
      await page.locator('figure.take img').first().waitFor();
      const sources = () => page.locator('figure.take img').evaluateAll((i) => i.map((e) => e.getAttribute('src')!));
      expect(await page.locator('#size').inputValue()).toBe('fit');
      expect((await sources()).every((s) => s.endsWith('.small.jpg'))).toBe(true);
      await page.locator('#size').selectOption('160');
      expect((await sources()).every((s) => /\/t\d+\.jpg$/.test(s))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
