import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliOk } from '../../bench/lib/cli-process.mjs';
import { writeReport } from '../../src/report/write-report.js';
import { readLedger, writeLedger } from '../../src/ledger/store.js';
import { startReviewServer, type ReviewServer } from '../../src/report/review-server.js';
import type { Ledger, LedgerJob } from '../../src/ledger/types.js';
import { demoLedger, makeLedgerJob, makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { CHROMIUM, CHROMIUM_PATH, describeWith } from '../helpers/requirements.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const MEDIA = resolve('fixtures/media');
const LAUNCH = {
  executablePath: CHROMIUM_PATH,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
// Skipped, with the reason, only on a machine without Chromium; under CI (which installs it) a missing browser
// fails the run (test/helpers/requirements.ts).

/** The demo sweep, hostile text from another "manifest", and a 1080p take promoted from job1. */
function reviewJobs(): LedgerJob[] {
  const demo = demoLedger({ 3: 'failed' }).jobs;
  const promoted = makeLedgerJob({
    id: 'promo1',
    manifest: 'manifests/promoted.yaml',
    manifest_name: 'promoted',
    file: 'promo1.mp4',
    request: { model: 'paiwo-v5.6-ttv', input: 'A kitten playing in the grass', aspect_ratio: '16:9', quality: '1080p', duration: 5, seed: 713039308 },
    axes: { prompt: 'cat', aspect_ratio: '16:9', quality: '1080p' },
  });
  (promoted as LedgerJob & { promoted_from: string }).promoted_from = 'job1';
  const evil = makeLedgerJob({
    id: 'evil1',
    manifest: 'manifests/evil.yaml',
    manifest_name: 'evil <b>name</b>',
    status: 'failed',
    video_id: '"><img src=x onerror="window.__pwned=5">',
    error: { code: '</script><script>window.__pwned=3</script>', message: `<img src=x onerror="window.__pwned=6"> javascript:alert(1)` },
    request: { model: 'paiwo-v5.6-ttv', input: `<script>window.__pwned=1</script> it's a "quote"`, aspect_ratio: '1:1', quality: '360p', duration: 5 },
    axes: { prompt: `x" onmouseover="window.__pwned=2`, quality: '360p' },
  });
  return [...demo, promoted, evil];
}

async function copyMedia(dir: string, jobs: readonly LedgerJob[]): Promise<void> {
  for (const job of jobs) {
    if (job.status !== 'succeeded') continue;
    const quality = job.request.quality === '1080p' ? '720p' : job.request.quality;
    await copyFile(join(MEDIA, `${quality}-${job.request.aspect_ratio!.replace(':', 'x')}-audio.mp4`), join(dir, job.file));
  }
}

const videoCount = (page: Page) => page.locator('video').count();
const title = (page: Page) => page.locator('.v-pane').first().getAttribute('data-id');

describeWith([CHROMIUM], 'the report as a review tool, served by paiwo-batch review, in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let server: ReviewServer;
  let jobs: LedgerJob[];

  beforeAll(async () => {
    dir = await makeTempDir('review-browser');
    jobs = reviewJobs();
    await copyMedia(dir, jobs);
    await writeLedger(dir, makeLedger(jobs));
    server = await startReviewServer({ outDir: dir });
    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(server.url);
    await page.locator('figure.take').first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await removeTempDir(dir);
  });

  it('shows poster frames ffmpeg extracted, and no <video> until a take is looked at', async () => {
    expect(await page.locator('figure.take').count()).toBe(jobs.length);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('figure.take img')).every((i) => (i as HTMLImageElement).naturalWidth > 0));
    expect(await page.locator('figure.take img').count()).toBe(jobs.filter((j) => j.status === 'succeeded').length);
    expect(existsSync(join(dir, '.posters/job0.jpg'))).toBe(true);
    expect(await videoCount(page)).toBe(0);
    // The failed take is a labelled placeholder.
    expect(await page.locator('figure[data-id="job3"] .ph strong').textContent()).toBe('failed');
  });

  it('lets the user choose the axes of rows and columns, and keeps the view in the URL', async () => {
    await page.locator('#axis-rows').selectOption({ label: 'aspect_ratio' });
    await page.locator('#axis-cols').selectOption({ label: 'seed' });
    const demo = page.locator('section.group', { has: page.locator('h2', { hasText: 'demo' }) });
    expect(await demo.locator('thead th[scope="col"]').allTextContents()).toEqual(['seed 1', 'seed 2']);
    expect(await demo.locator('tbody th[scope="row"]').allTextContents()).toEqual(['aspect_ratio 16:9', 'aspect_ratio 9:16']);
    expect(await demo.locator('tbody tr').first().locator('td').first().locator('figure.take').evaluateAll((f) => f.map((e) => e.getAttribute('data-id')))).toEqual(['job0', 'job4']);
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain('rows=aspect_ratio&cols=seed');
    // Back to prompts × aspect ratios for the next steps, through the URL alone (a bookmark).
    await page.goto(server.url + '#group=manifest&rows=prompt&cols=aspect_ratio');
    await page.reload();
    expect(await demo.locator('thead th[scope="col"]').allTextContents()).toEqual(['aspect_ratio 16:9', 'aspect_ratio 9:16']);
  });

  it('opens a take full screen with its ledger record and steps with the arrow keys', async () => {
    await page.locator('figure[data-id="job0"]').click();
    await expect.poll(() => title(page)).toBe('job0');
    const record = page.locator('#viewer .record');
    expect(await record.textContent()).toContain('seed asked1seed used713039308');
    expect(await record.textContent()).toContain('request.quality540p');
    expect(await videoCount(page)).toBe(1);
    await page.keyboard.press('ArrowRight'); // along the row: seed 2 of the same cell
    await expect.poll(() => title(page)).toBe('job1');
    await page.keyboard.press('ArrowRight'); // job1's promoted take, beside it in its cell
    await expect.poll(() => title(page)).toBe('promo1');
    await page.keyboard.press('ArrowRight'); // next column
    await expect.poll(() => title(page)).toBe('job2');
    await page.keyboard.press('ArrowDown'); // next row (fox), same column
    await expect.poll(() => title(page)).toBe('job6');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => title(page)).toBe('job5');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => title(page)).toBe('job1');
    expect(new URL(page.url()).hash).toContain('take=job1');
    expect(await videoCount(page)).toBeLessThanOrEqual(2);
  });

  it('marks two takes and saves them to picks.json through the review server; a reload shows them', async () => {
    await page.keyboard.press('f'); // job1: favourite
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => title(page)).toBe('job5');
    await page.locator('#viewer button[data-mark="reject"]').click();
    await page.locator('#note').fill('too dark, "hands" <b>odd</b>');
    await page.locator('#note').blur();
    await expect.poll(async () => JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8').catch(() => '{}')).takes?.job5?.note).toBe('too dark, "hands" <b>odd</b>');
    await expect.poll(() => page.locator('#saved').getAttribute('data-state')).toBe('saved');
    expect(await page.locator('#saved').textContent()).toBe(`saved to ${join(dir, 'picks.json')}`);
    const picks = JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8'));
    expect(picks).toMatchObject({ version: 1, takes: { job1: { mark: 'favourite', note: '' }, job5: { mark: 'reject', note: 'too dark, "hands" <b>odd</b>' } } });
    expect(Object.keys(picks.takes).sort()).toEqual(['job1', 'job5']);
    expect(Date.parse(picks.updated_at)).toBeGreaterThan(0);

    await page.keyboard.press('Escape');
    await page.evaluate(() => localStorage.clear()); // what comes back must come from picks.json
    await page.reload();
    await page.locator('#viewer').waitFor({ state: 'hidden' });
    expect(await page.locator('figure.take.m-favourite').evaluateAll((f) => f.map((e) => e.getAttribute('data-id')))).toEqual(['job1']);
    expect(await page.locator('figure.take.m-reject').evaluateAll((f) => f.map((e) => e.getAttribute('data-id')))).toEqual(['job5']);
    expect(await page.locator('figure[data-id="job5"] .noted').getAttribute('title')).toBe('too dark, "hands" <b>odd</b>');
    // The marks filter lives in the URL too.
    await page.locator('#mark-filter').selectOption('favourite');
    expect(await page.locator('figure.take').count()).toBe(1);
    expect(new URL(page.url()).hash).toContain('mark=favourite');
    await page.locator('#mark-filter').selectOption('all');
  });

  it('filters by status and by any axis value, and a filtered view is a URL', async () => {
    await page.locator('input[data-filter="status"][value="failed"]').uncheck();
    expect(await page.locator('figure.take').count()).toBe(jobs.filter((j) => j.status !== 'failed').length);
    await page.locator('input[data-filter="status"][value="failed"]').check();
    const hash = '#group=manifest&rows=prompt&cols=aspect_ratio&hide=prompt%3Dfox&hide=aspect_ratio%3D9%3A16';
    await page.goto(server.url + hash);
    await page.reload();
    const ids = await page.locator('figure.take').evaluateAll((f) => f.map((e) => e.getAttribute('data-id')));
    // evil1 has no aspect ratio at all (its value is "—"), so hiding 9:16 keeps it.
    expect(ids.sort()).toEqual(['evil1', 'job0', 'job1', 'promo1']);
    expect(await page.locator('#shown').textContent()).toContain(`Showing 4 of ${jobs.length} takes`);
    await page.goto(server.url + '#');
    await page.reload();
  });

  it('links a promoted take to its source and shows them side by side', async () => {
    await page.locator('figure[data-id="promo1"]').click();
    await expect.poll(() => page.locator('.v-pane').evaluateAll((p) => p.map((e) => e.getAttribute('data-id')))).toEqual(['promo1', 'job1']);
    expect(await page.locator('#viewer .links').textContent()).toContain('promoted from job1');
    expect(await page.locator('#viewer .record').textContent()).toContain('request.quality1080p');
    expect(await videoCount(page)).toBe(2);
    await page.locator('#viewer .links button[data-goto="job1"]').click();
    await expect.poll(() => page.locator('.v-pane').evaluateAll((p) => p.map((e) => e.getAttribute('data-id')))).toEqual(['job1', 'promo1']);
    expect(await page.locator('#viewer .links').textContent()).toContain('promoted to promo1');
    await page.keyboard.press('Escape');
    expect(await videoCount(page)).toBe(0);
  });

  it('shows hostile text from manifests and the service as text, running none of it', async () => {
    await page.locator('figure[data-id="evil1"]').hover();
    await page.locator('figure[data-id="evil1"]').click();
    expect(await page.locator('#viewer .record').textContent()).toContain('<img src=x onerror="window.__pwned=6"> javascript:alert(1)');
    expect(await page.locator('#viewer .record').textContent()).toContain(`<script>window.__pwned=1</script> it's a "quote"`);
    await page.keyboard.press('Escape');
    expect(await page.locator('section.group h2', { hasText: 'evil' }).textContent()).toContain('evil <b>name</b>');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('img[src="x"], b').count()).toBe(0);
  });

  it('gives a phone a grid of two takes per line without sideways scrolling', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(server.url);
    const cards = phone.locator('section.group').first().locator('figure.take');
    await cards.first().waitFor();
    const [a, b] = [await cards.nth(0).boundingBox(), await cards.nth(1).boundingBox()];
    expect(a && b && Math.abs(a.y - b.y) < 2 && b.x > a.x + a.width - 1).toBe(true);
    expect(a!.width).toBeGreaterThan(120);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await mkdir(resolve('test-results'), { recursive: true });
    await phone.screenshot({ path: resolve('test-results/report-phone.png') });
    await phone.close();
  });
});

describeWith([CHROMIUM], 'report.html opened from disk (no server)', () => {
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = await makeTempDir('report-static');
    browser = await chromium.launch(LAUNCH);
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await removeTempDir(dir);
  });

  it('keeps marks in the browser, offers them as picks.json, and says once that posters need ffmpeg', async () => {
    const jobs = demoLedger().jobs;
    await copyMedia(dir, jobs);
    await writeReport(dir, makeLedger(jobs), { ffmpeg: join(dir, 'no-such-ffmpeg') });
    const page = await browser.newPage({ acceptDownloads: true });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.locator('figure.take').first().waitFor();
    expect(await page.locator('#notice').textContent()).toContain('Posters need ffmpeg');
    expect(await page.locator('figure[data-id="job2"] .ph').textContent()).toContain('aspect_ratio 9:16');
    await page.locator('figure[data-id="job2"]').click();
    await page.keyboard.press('f');
    await page.keyboard.press('Escape');
    await page.reload();
    await expect.poll(() => page.locator('figure.take.m-favourite').evaluateAll((f) => f.map((e) => e.getAttribute('data-id')))).toEqual(['job2']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const picks = JSON.parse(await readFile((await download.path())!, 'utf8'));
    expect(download.suggestedFilename()).toBe('picks.json');
    expect(picks).toMatchObject({ version: 1, takes: { job2: { mark: 'favourite', note: '' } } });
    expect(requests.every((u) => u.startsWith('file://') || u.startsWith('blob:'))).toBe(true);
    await page.close();
  });

  it('stays bounded with 2,000 takes: paged rendering and at most a few <video> elements', async () => {
    const jobs: LedgerJob[] = [];
    for (let p = 0; p < 20; p++) for (const q of ['360p', '540p'] as const) for (let s = 1; s <= 50; s++) {
      const id = `t${jobs.length}`;
      jobs.push(makeLedgerJob({ id, request: { model: 'paiwo-v5.6-ttv', input: `prompt ${p}`, aspect_ratio: '16:9', quality: q, duration: 5, seed: s }, axes: { prompt: `p${p}`, quality: q, seed: s } }));
    }
    const big = join(dir, 'big');
    await mkdir(big);
    await writeReport(big, makeLedger(jobs), { extractPosters: false });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(pathToFileURL(join(big, 'report.html')).href);
    await page.locator('figure.take').first().waitFor();
    const first = await page.locator('figure.take').count();
    expect(first).toBeLessThan(jobs.length);
    expect(await page.locator('#shown').textContent()).toContain('Showing all 2,000 takes');
    for (let i = 0; i < 30 && (await page.locator('figure.take').count()) < jobs.length; i++) {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForTimeout(50);
    }
    expect(await page.locator('figure.take').count()).toBe(jobs.length);
    expect(await videoCount(page)).toBe(0);
    await page.close();
  });
});

// The real thing: the demo manifest run by the CLI against the built-in simulator, its report opened as a user would.
describeWith([CHROMIUM], 'the report a real run writes, in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let ledger: Ledger;

  const env = { CI: 'true', DMXAPI_API_KEY: undefined };

  beforeAll(async () => {
    dir = await makeTempDir('report-run');
    await runCliOk(['run', resolve('manifests/demo.yaml'), '--simulator', '--out', dir, '--log-level', 'warn'], { env });
    ledger = await readLedger(dir);
    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
  });

  afterAll(async () => {
    await browser?.close();
    await removeTempDir(dir);
  });

  it('shows every take of the run with its poster, the prompt in the manifest\'s words, and plays one full screen', async () => {
    expect(ledger.totals.by_status.succeeded).toBe(ledger.jobs.length);
    await page.locator('figure.take').first().waitFor();
    expect(await page.locator('figure.take').count()).toBe(ledger.jobs.length);
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('thead th[scope="col"]').count()).toBe(2);
    const kitten = page.locator('tbody tr', { has: page.locator('th', { hasText: 'kitten' }) });
    expect(await kitten.locator('th .prompt').textContent()).toBe('一只小猫在草地上玩耍');
    expect(await kitten.locator('th .negative').textContent()).toContain('不需要出现人物');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('figure.take img')).every((i) => (i as HTMLImageElement).naturalWidth > 0));
    expect(await page.locator('figure.take img').count()).toBe(ledger.jobs.length);
    await page.locator('figure.take').first().click();
    await page.waitForFunction(() => ((document.querySelector('#viewer video') as HTMLVideoElement | null)?.readyState ?? 0) >= 1, undefined, { timeout: 20_000 });
    const [width, height] = await page.evaluate(() => { const v = document.querySelector('#viewer video') as HTMLVideoElement; return [v.videoWidth, v.videoHeight]; });
    const id = await page.locator('.v-pane').first().getAttribute('data-id');
    const job = ledger.jobs.find((j) => j.id === id);
    expect([width, height]).toEqual([job?.width, job?.height]);
    await page.keyboard.press('Escape');
    await mkdir(resolve('test-results'), { recursive: true });
    await page.screenshot({ path: resolve('test-results/report.png'), fullPage: true });
  });

  it('from review to re-render: mark two takes in the page, promote the picks, run them, and see each new take linked to its source', async () => {
    const server = await startReviewServer({ outDir: dir });
    const review = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const favourites = async (): Promise<string[]> => {
      const picks = JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8').catch(() => '{"takes":{}}')) as { takes: Record<string, { mark: string | null }> };
      return Object.entries(picks.takes).filter(([, t]) => t.mark === 'favourite').map(([id]) => id).sort();
    };
    let chosen: string[];
    try {
      await review.goto(server.url);
      await review.locator('figure.take').first().waitFor();
      await review.locator('#axis-cols').selectOption({ label: 'seed' }); // seeds side by side: the choice of a sweep
      await review.locator('figure.take').first().click();
      const first = (await review.locator('.v-pane').first().getAttribute('data-id'))!;
      await review.keyboard.press('f');
      await review.keyboard.press('ArrowRight');
      await expect.poll(() => review.locator('.v-pane').first().getAttribute('data-id')).not.toBe(first);
      const second = (await review.locator('.v-pane').first().getAttribute('data-id'))!;
      await review.keyboard.press('f');
      chosen = [first, second].sort();
      await expect.poll(favourites).toEqual(chosen);
    } finally {
      await review.close();
      await server.close();
    }
    const manifest = join(dir, 'promoted.yaml');
    await runCliOk(['promote', dir, '--picks', join(dir, 'picks.json'), '--quality', '720p', '-o', manifest], { env });
    await runCliOk(['run', manifest, '--simulator', '--out', dir, '--log-level', 'warn'], { env });
    const after = await readLedger(dir);
    const promoted = after.jobs.filter((j) => j.promoted_from);
    expect(promoted.map((j) => j.promoted_from).sort()).toEqual(chosen);
    expect(promoted.every((j) => j.status === 'succeeded' && j.request.quality === '720p')).toBe(true);
    for (const p of promoted) expect(p.request.seed).toBe(after.jobs.find((j) => j.id === p.promoted_from)!.seed);
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.reload();
    await page.locator(`figure[data-id="${promoted[0]!.id}"]`).click();
    expect(await page.locator('#viewer .links').textContent()).toContain(`promoted from ${promoted[0]!.promoted_from}`);
    expect(await page.locator('.v-pane').evaluateAll((p) => p.map((e) => e.getAttribute('data-id')))).toEqual([promoted[0]!.id, promoted[0]!.promoted_from]);
    await page.keyboard.press('Escape');
  });
});
