import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReport } from '../../src/results/write-report.js';
import { readLedger } from '../../src/results/ledger-store.js';
import type { Ledger } from '../../src/results/ledger-types.js';
import type { LedgerJob } from '../../src/results/ledger-types.js';
import { demoLedger, makeJob, makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { CHROMIUM, CHROMIUM_PATH, describeWith } from '../helpers/requirements.js';

const exec = promisify(execFile);
const MEDIA = resolve('fixtures/media');
const SCREENSHOT = resolve('test-results/report-hostile.png');
const DEMO_SCREENSHOT = resolve('test-results/report.png');
const CLI = resolve('dist/cli/main.js');
const LAUNCH = {
  executablePath: CHROMIUM_PATH,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

// The page must render and filter in a real browser: skipped, with the reason, where no Chromium is installed;
// a failure under CI (.ci/run installs it).
describeWith([CHROMIUM], 'report.html in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let jobs: LedgerJob[];
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paiwo-report-browser-'));
    const demo = demoLedger({ 3: 'failed', 6: 'unknown' });
    const hostile: LedgerJob[] = [
      makeJob({
        id: 'evil1',
        manifest: 'manifests/evil.yaml',
        manifest_name: 'evil <b>name</b>',
        file: 'javascript:window.__pwned=4.mp4',
        video_id: '"><img src=x onerror="window.__pwned=5">',
        request: { model: 'paiwo-v5.6-ttv', input: `<script>window.__pwned=1</script> it's a "quote"`, aspect_ratio: '1:1', quality: '360p', duration: 5 },
        axes: { prompt: `x" onmouseover="window.__pwned=2`, quality: '360p' },
      }),
      makeJob({
        id: 'evil2',
        manifest: 'manifests/evil.yaml',
        manifest_name: 'evil <b>name</b>',
        status: 'failed',
        error: { code: '</script><script>window.__pwned=3</script>', message: `<img src=x onerror="window.__pwned=6"> javascript:alert(1)` },
        request: { model: 'paiwo-v5.6-ttv', input: `</script><script>window.__pwned=7</script>`, aspect_ratio: '1:1', quality: '720p', duration: 5 },
        axes: { prompt: `x" onmouseover="window.__pwned=2`, quality: '720p' },
      }),
    ];
    jobs = [...demo.jobs, ...hostile];
    for (const job of jobs) {
      if (job.status !== 'succeeded') continue;
      const ratio = job.request.aspect_ratio.replace(':', 'x');
      await copyFile(join(MEDIA, `${job.request.quality}-${ratio}-audio.mp4`), join(dir, job.file));
    }
    await writeReport(dir, makeLedger(jobs));

    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lays the demo sweep out as prompts × aspect ratios with seeds side by side', async () => {
    const demo = page.locator('section.manifest').first();
    expect(await demo.locator('tbody tr').count()).toBe(2);
    expect(await demo.locator('thead th[data-col]').allTextContents()).toEqual(['aspect_ratio 16:9', 'aspect_ratio 9:16']);
    expect(await demo.locator('tbody td').count()).toBe(4);
    for (const td of await demo.locator('tbody td').all()) expect(await td.locator('figure.job').count()).toBe(2);
    expect(await page.locator('figure.job').count()).toBe(jobs.length);
    // Failed and unknown jobs are labelled empty cells, not players.
    expect(await demo.locator('figure.job video').count()).toBe(6);
    expect(await demo.locator('figure.s-failed .empty').textContent()).toContain('generation failed on the provider side');
    expect(await demo.locator('figure.s-unknown .empty strong').textContent()).toBe('unknown');
  });

  it('loads a video file from the folder (metadata: Chromium builds without H.264 still parse the MP4 header)', async () => {
    await page.waitForFunction(() => Array.from(document.querySelectorAll('video')).some((v) => v.readyState >= 1), undefined, { timeout: 20_000 });
    const loaded = await page.evaluate(() =>
      Array.from(document.querySelectorAll('video'))
        .filter((v) => v.readyState >= 1)
        .map((v) => ({ src: v.getAttribute('src'), width: v.videoWidth, duration: v.duration })),
    );
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded[0]?.src).toMatch(/^[a-z]+_(16x9|9x16)_540p_5s_seed\d\.mp4$/);
    expect(loaded[0]?.duration).toBeGreaterThan(0);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
  });

  it('filters hide cells by status and by axis, and empty rows and columns with them', async () => {
    const visible = () => page.locator('figure.job:visible').count();
    await page.locator('input[data-filter="status"][value="succeeded"]').uncheck();
    expect(await visible()).toBe(jobs.filter((j) => j.status !== 'succeeded').length);
    await page.locator('input[data-filter="status"][value="succeeded"]').check();
    expect(await visible()).toBe(jobs.length);

    const axisFilter = page.locator('fieldset.filter', { has: page.locator('legend', { hasText: 'aspect_ratio' }) });
    await axisFilter.locator('input[value="9:16"]').uncheck();
    expect(await visible()).toBe(jobs.filter((j) => j.axes.aspect_ratio !== '9:16').length);
    const demo = page.locator('section.manifest').first();
    expect(await demo.locator('thead th[data-col]:visible').count()).toBe(1);
    await axisFilter.locator('input[value="9:16"]').check();
    expect(await page.locator('#shown').textContent()).toContain(`all ${jobs.length}`);
  });

  it('shows hostile text from manifests and the service without running it', async () => {
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await page.locator('section.manifest').nth(1).locator('tbody th').first().hover();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    const evil = page.locator('section.manifest').nth(1);
    expect(await evil.locator('h2').textContent()).toContain('evil <b>name</b>');
    expect(await evil.textContent()).toContain('<script>window.__pwned=1</script>');
    expect(await evil.textContent()).toContain('window.__pwned=6');
    const urls = await page.evaluate(() => Array.from(document.querySelectorAll('[src],[href]')).map((e) => e.getAttribute('src') ?? e.getAttribute('href') ?? ''));
    expect(urls.some((u) => /^\s*javascript:/i.test(u))).toBe(false);
    // The embedded data survives `</script>` in it and parses back to the same text.
    const data = await page.evaluate(() => JSON.parse(document.getElementById('paiwo-data')?.textContent ?? 'null'));
    expect(data.jobs.find((j: { id: string }) => j.id === 'evil2').prompt).toBe('</script><script>window.__pwned=7</script>');
  });

  it('saves a screenshot', async () => {
    await mkdir(resolve('test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    await writeFile(join(dir, 'done'), '');
  });
});

// The real thing: the demo manifest run by the CLI against the built-in simulator, its report opened as a user would.
describeWith([CHROMIUM], 'the report a real run writes, in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let ledger: Ledger;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paiwo-report-run-'));
    const env = { ...process.env, CI: 'true' };
    delete env.DMXAPI_API_KEY;
    await exec('node', [CLI, 'run', resolve('manifests/demo.yaml'), '--simulator', '--out', dir, '--log-level', 'warn'], { env });
    ledger = await readLedger(dir);
    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows every job of the run in its grid cell, each video loading from the folder', async () => {
    expect(ledger.totals.by_status.succeeded).toBe(ledger.jobs.length);
    expect(await page.locator('figure.job').count()).toBe(ledger.jobs.length);
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator('thead th[data-col]').count()).toBe(2);
    // The prompt (and its negative prompt) label the row, in the manifest's own words and script.
    const kitten = page.locator('tbody tr', { has: page.locator('th', { hasText: 'kitten' }) });
    expect(await kitten.locator('th .prompt').textContent()).toBe('一只小猫在草地上玩耍');
    expect(await kitten.locator('th .negative').textContent()).toContain('不需要出现人物');
    for (const td of await page.locator('tbody td').all()) expect(await td.locator('video').count()).toBe(2);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('video')).every((v) => v.readyState >= 1), undefined, { timeout: 20_000 });
    const sizes = await page.evaluate(() => Array.from(document.querySelectorAll('video')).map((v) => [v.getAttribute('src'), v.videoWidth, v.videoHeight]));
    const byFile = new Map(ledger.jobs.map((j) => [j.file, j]));
    for (const [src, width, height] of sizes) {
      const job = byFile.get(decodeURIComponent(String(src)));
      expect([width, height]).toEqual([job?.width, job?.height]);
    }
    await mkdir(resolve('test-results'), { recursive: true });
    await page.screenshot({ path: DEMO_SCREENSHOT, fullPage: true });
  });
});
