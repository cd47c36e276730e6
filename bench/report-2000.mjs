// npm run bench:report — the review report of a synthetic 2,000-take and 10,000-take sweep, opened in headless
// Chromium from disk (file://), as a person would. Goal (issue 24): the 2,000-take page paints its first screen
// in under 1 s and holds at most 3 <video> elements until a compare asks for more; 10,000 takes stay usable.
// Prints file size, load time (navigation start → the first screen of takes rendered, posters requested),
// <video> count at load / on hover / full screen / in a compare of four, and the time to open a take full screen,
// step to the next one, open the compare and re-grid. Exits 1 when the 2,000-take goal is missed.
// Every take has a video file and a poster, large and small (hard links to one fixture and two JPEGs), so the page does real work.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeReport } from '../dist/report/write-report.js';
import { computeTotals } from '../dist/ledger/money.js';

const CHROMIUM = '/usr/bin/chromium';
const MEDIA = fileURLToPath(new URL('../fixtures/media/360p-16x9-silent.mp4', import.meta.url));
const GOAL_MS = 1000;
const GOAL_VIDEOS = 3;

if (!existsSync(CHROMIUM)) {
  console.error(`bench:report needs Chromium at ${CHROMIUM}`);
  process.exit(2);
}

/** prompts × aspect ratios × qualities × seeds, all succeeded. */
function sweep(prompts, seeds) {
  const jobs = [];
  for (let p = 0; p < prompts; p++) for (const ar of ['16:9', '9:16']) for (const q of ['360p', '540p']) for (let s = 1; s <= seeds; s++) {
    const id = `b${String(jobs.length).padStart(15, '0')}`; // job ids are 16 hex characters
    jobs.push({
      id, manifest: 'manifests/sweep.yaml', manifest_name: 'sweep', status: 'succeeded', video_id: String(385043936810000 + jobs.length),
      seed_requested: s, seed: 700000000 + s, estimated_credits: q === '360p' ? 45 : 60, credits: q === '360p' ? 45 : 60, credits_refunded: 0,
      file: `p${p}_${ar.replace(':', 'x')}_${q}_5s_seed${s}.mp4`, bytes: 123456, sha256: 'a'.repeat(64), width: 640, height: 360, has_audio: false, attempts: 1, error: null,
      axes: { prompt: `p${p}`, aspect_ratio: ar, quality: q, seed: s },
      request: { model: 'paiwo-v5.6-ttv', input: `Scene ${p}: a fox exploring a lantern-lit market at dusk, cinematic, slow dolly`, negative_prompt: 'no text, no watermark', aspect_ratio: ar, quality: q, duration: 5, generate_audio_switch: false, seed: s },
      created_at: '2026-12-01T08:00:00.000Z', updated_at: '2026-12-01T08:01:00.000Z', submitted_at: '2026-12-01T08:00:01.000Z', finished_at: '2026-12-01T08:00:40.000Z',
    });
  }
  return jobs;
}

async function measure(browser, label, jobs) {
  const dir = await mkdtemp(join(tmpdir(), `paiwo-bench-report-${jobs.length}-`));
  try {
    await mkdir(join(dir, '.posters'));
    const poster = join(dir, 'poster.jpg');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', MEDIA, '-frames:v', '1', '-vf', 'scale=480:-2', poster]);
    const small = join(dir, 'poster-small.jpg');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', MEDIA, '-frames:v', '1', '-vf', 'scale=160:-2', small]);
    const later = new Date(Date.now() + 60_000);
    await utimes(poster, later, later);
    await utimes(small, later, later);
    for (const job of jobs) {
      await link(MEDIA, join(dir, job.file));
      await link(poster, join(dir, '.posters', `${job.id}.jpg`));
      await link(small, join(dir, '.posters', `${job.id}.small.jpg`));
    }
    const written = Date.now();
    const path = await writeReport(dir, { version: 1, jobs, totals: computeTotals(jobs) }, { extractPosters: false });
    const writeMs = Date.now() - written;
    const size = (await stat(path)).size;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.locator('figure.take').first().waitFor();
    const loadMs = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())))));
    const paintMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    const view = await page.evaluate(() => ({ cols: document.querySelector('#axis-cols option:checked')?.textContent, size: getComputedStyle(document.getElementById('grid')).getPropertyValue('--thumb') }));
    const atLoad = await page.evaluate(() => ({ videos: document.querySelectorAll('video').length, cards: document.querySelectorAll('figure.take').length, nodes: document.getElementsByTagName('*').length }));
    await page.locator('figure.take').nth(3).hover();
    await page.waitForTimeout(400);
    const onHover = await page.locator('video').count();
    const t0 = Date.now();
    await page.locator('figure.take').nth(3).click();
    await page.locator('#viewer video').waitFor();
    const openMs = Date.now() - t0;
    const t1 = Date.now();
    const before = await page.locator('.v-pane').first().getAttribute('data-id');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((id) => document.querySelector('.v-pane')?.getAttribute('data-id') !== id, before);
    const stepMs = Date.now() - t1;
    const fullScreen = await page.locator('video').count();
    await page.keyboard.press('Escape');
    for (let i = 4; i < 8; i++) await page.locator('figure.take').nth(i).locator('button.cmp').click({ force: true });
    const t3 = Date.now();
    await page.locator('#compare-open').click();
    await page.locator('#compare video').first().waitFor();
    const compareMs = Date.now() - t3;
    const inCompare = await page.locator('video').count();
    await page.keyboard.press('Escape');
    await page.locator('#compare-clear').click();
    const t2 = Date.now();
    await page.locator('#axis-rows').selectOption({ label: 'seed' });
    await page.locator('figure.take').first().waitFor();
    const regridMs = Date.now() - t2;
    const maxVideos = Math.max(atLoad.videos, onHover, fullScreen);
    console.log(
      `${label}: ${jobs.length} takes, report.html ${(size / 1024 / 1024).toFixed(2)} MB (written in ${writeMs} ms); ` +
        `first paint ${Math.round(paintMs)} ms, load ${Math.round(loadMs)} ms (navigation → first screen rendered, posters decoded); default view: columns ${view.cols}, ${view.size} takes; ${atLoad.cards} takes rendered at load (${atLoad.nodes} elements); ` +
        `<video>: ${atLoad.videos} at load, ${onHover} on hover, ${fullScreen} full screen, ${inCompare} in a compare of four; open full screen ${openMs} ms, arrow step ${stepMs} ms, compare ${compareMs} ms, ` +
        `re-grid (rows = seed) ${regridMs} ms`,
    );
    await page.close();
    return { loadMs, maxVideos };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
let ok = true;
try {
  const small = await measure(browser, '2,000', sweep(10, 50));
  if (small.loadMs >= GOAL_MS || small.maxVideos > GOAL_VIDEOS) ok = false;
  await measure(browser, '10,000', sweep(25, 100));
} finally {
  await browser.close();
}
console.log(ok ? `goal met: first screen < ${GOAL_MS} ms and ≤ ${GOAL_VIDEOS} <video> (until a compare asks for more) for 2,000 takes` : 'GOAL MISSED');
process.exit(ok ? 0 : 1);
