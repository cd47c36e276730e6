import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeLedger } from '../../src/ledger/store.js';
import { startReviewServer, type ReviewServer } from '../../src/report/review-server.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { CHROMIUM, describeWith } from '../helpers/requirements.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { cardIds, copyMedia, hashOf, LAUNCH, phonePage, shownLine, sweepJobs, writeSomePicks } from './review-fixture.js';

const paneIds = (page: Page) => page.locator('#compare .c-pane').evaluateAll((p) => p.map((e) => e.getAttribute('data-id')));
const videoStates = (page: Page) => page.locator('#compare video').evaluateAll((v) => v.map((e) => ({ paused: (e as HTMLVideoElement).paused, t: (e as HTMLVideoElement).currentTime })));

describeWith([CHROMIUM], 'a reviewer\'s day: compare, search, promoted takes, marks that travel, phones', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let server: ReviewServer;
  let jobs: LedgerJob[];
  const notFound: string[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('review-day');
    jobs = sweepJobs();
    await copyMedia(dir, jobs);
    await writeSomePicks(dir);
    await writeLedger(dir, makeLedger(jobs));
    server = await startReviewServer({ outDir: dir });
    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    page.on('response', (r) => { if (r.status() === 404) notFound.push(r.url()); });
    await page.goto(server.url);
    await page.locator('figure.take').first().waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await removeTempDir(dir);
  });

  it('puts a promoted take in its source\'s cell, right after it, not in a manifest group of its own; the source shows its quality', async () => {
    expect(await page.locator('section.group h2').count()).toBe(0); // one manifest once the promotion joins its source's
    const cell = page.locator('figure[data-id="sweep1"]').locator('xpath=..');
    expect(await cell.locator('figure.take').evaluateAll((f) => f.map((e) => e.getAttribute('data-id')))).toEqual(['sweep0', 'sweep1', 'promo', 'sweep2']);
    expect(await page.locator('figure[data-id="promo"] .tag').textContent()).toContain('promoted');
    // Captions name what tells the takes of a cell apart (seed, and quality where a promotion sits), never the row or column.
    expect(await page.locator('figure[data-id="sweep1"] .lbl').textContent()).toBe('seed 2 · quality 540p');
    expect(await page.locator('figure[data-id="promo"] .lbl').textContent()).toBe('seed 700000001 · quality 1080p');
    expect(await page.locator('figure[data-id="sweep3"] .lbl').textContent()).toBe('seed 1');
    await page.locator('figure[data-id="sweep1"]').click();
    expect(await page.locator('#viewer .record').textContent()).toContain('axis quality540p');
    await page.keyboard.press('Escape');
    expect(await page.locator('input[data-filter][value="540p"]').count()).toBe(1);
  });

  it('compares takes picked from the grid and from full screen, in sync, naming what differs; the compare is a URL', async () => {
    expect(await page.locator('video').count()).toBe(0);
    await page.locator('figure[data-id="sweep0"] button.cmp').click();
    await page.locator('figure[data-id="sweep2"] button.cmp').click();
    expect(await page.locator('#viewer').isHidden()).toBe(true); // picking does not open the take
    expect(await page.locator('#compare-count').textContent()).toContain('2 picked');
    await page.locator('figure[data-id="sweep3"]').click();
    await page.keyboard.press('c'); // from full screen
    expect(await page.locator('#v-compare').getAttribute('aria-pressed')).toBe('true');
    await page.locator('#compare-open').click();
    await expect.poll(() => paneIds(page)).toEqual(['sweep0', 'sweep2', 'sweep3']);
    expect(hashOf(page)).toContain('compare=sweep0,sweep2,sweep3');
    expect(await page.locator('video').count()).toBe(3);
    expect(await page.locator('#viewer').isHidden()).toBe(true);
    // Above each: what differs (aspect ratio and seed), never what all three share (the prompt, the quality).
    const heads = await page.locator('#compare .c-diff').allTextContents();
    expect(heads[0]).toMatch(/aspect_ratio 16:9.*seed 1/);
    expect(heads[2]).toMatch(/aspect_ratio 9:16.*seed 1/);
    expect(heads.join(' ')).not.toMatch(/prompt|quality/);
    // One play / pause / seek for all.
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLVideoElement>('#compare video')).every((v) => v.readyState >= 2));
    await page.locator('#c-play').click();
    if (await page.locator('#c-play').getAttribute('data-playing') !== 'true') await page.locator('#c-play').click();
    await expect.poll(async () => (await videoStates(page)).every((v) => !v.paused)).toBe(true);
    await page.locator('#c-play').click();
    await expect.poll(async () => (await videoStates(page)).every((v) => v.paused)).toBe(true);
    await page.locator('#c-seek').evaluate((e) => { (e as HTMLInputElement).value = '500'; e.dispatchEvent(new Event('input')); });
    await expect.poll(async () => { const t = (await videoStates(page)).map((v) => v.t); return Math.max(...t) - Math.min(...t) < 0.05 && t[0]! > 0.1; }).toBe(true);
    // A mark given in the compare is a mark.
    await page.locator('#compare .c-pane[data-id="sweep2"] button[data-mark="favourite"]').click();
    await expect.poll(async () => JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8')).takes.sweep2?.mark).toBe('favourite');
    await page.keyboard.press('Escape');
    expect(await page.locator('video').count()).toBe(0);
    expect(hashOf(page)).not.toContain('compare=');
    // A bookmarked compare opens as it was; a fifth pick is refused (four at most).
    await page.goto(`${server.url}#compare=sweep5,promo&take=sweep0`);
    await page.reload();
    await expect.poll(() => paneIds(page)).toEqual(['sweep5', 'promo']);
    expect(await page.locator('#viewer').isHidden()).toBe(true); // a compare and a take: the compare
    expect(await page.locator('#compare .c-diff').allTextContents()).toEqual([expect.stringMatching(/quality 540p/), expect.stringMatching(/quality 1080p/)]);
    await page.keyboard.press('Escape');
    await page.locator('figure[data-id="sweep0"] button.cmp').focus();
    await page.keyboard.press('Enter'); // the keyboard's way to pick: it picks, and does not open the take
    expect(await page.locator('#viewer').isHidden()).toBe(true);
    expect(await page.locator('figure[data-id="sweep0"]').getAttribute('class')).toContain('picked');
    await page.locator('figure[data-id="sweep1"]').click({ modifiers: ['Shift'] }); // Shift-click picks too
    for (const id of ['sweep2', 'sweep3', 'sweep5']) await page.locator(`figure[data-id="${id}"] button.cmp`).click();
    expect(await page.locator('figure.take.picked').count()).toBe(4);
    expect(await page.locator('#compare-bar').textContent()).toContain('holds 4');
    await page.locator('#compare-open').click();
    expect(await page.locator('#compare video').count()).toBe(4);
    await page.keyboard.press('Escape');
    await page.locator('#compare-clear').click();
  });

  it('searches prompts, file names and notes (q= in the hash), and shows notes on the cards', async () => {
    expect(await page.locator('figure[data-id="sweep10"] .note').textContent()).toBe('best fox');
    await page.locator('#search').fill('dark');
    await expect.poll(() => cardIds(page)).toEqual(['sweep7', 'sweep15']);
    expect(hashOf(page)).toContain('q=dark');
    expect(await shownLine(page)).toContain(`Showing 2 of ${jobs.length} takes`);
    await page.locator('#search').fill('9x16_540p_seed3');
    await expect.poll(() => cardIds(page)).toEqual(['sweep5', 'sweep14']);
    await page.locator('#search').fill('kitten 1x1');
    await expect.poll(async () => (await cardIds(page)).length).toBe(3);
    await page.goto(`${server.url}#q=snow`);
    await page.reload();
    await expect.poll(async () => (await cardIds(page)).length).toBe(9);
    expect(await page.locator('#search').inputValue()).toBe('snow');
    await page.goto(`${server.url}#`);
    await page.reload();
  });

  it('writes picks.json naming each take\'s file, prompt and seed, in marking order, and exports the marks as CSV', async () => {
    await page.locator('figure.take').first().waitFor();
    await page.locator('figure[data-id="sweep12"]').click();
    await page.keyboard.press('f');
    await page.keyboard.press('Escape');
    await page.locator('figure[data-id="sweep6"]').click();
    await page.keyboard.press('f');
    await page.locator('#note').fill('=HYPERLINK("x"), "quoted", comma');
    await page.locator('#note').blur();
    await page.keyboard.press('Escape');
    await expect.poll(async () => JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8')).takes.sweep6?.note).toBe('=HYPERLINK("x"), "quoted", comma');
    const picks = JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8'));
    const job12 = jobs.find((j) => j.id === 'sweep12')!;
    expect(picks.takes.sweep12).toMatchObject({ mark: 'favourite', file: job12.file, prompt: 'A fox running through snow', seed: job12.seed });
    expect(Date.parse(picks.takes.sweep12.marked_at)).toBeGreaterThan(0);
    const favourites = Object.keys(picks.takes).filter((id) => picks.takes[id].mark === 'favourite');
    expect(favourites.slice(-3)).toEqual(['sweep2', 'sweep12', 'sweep6']); // in the order they were marked
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-csv').click()]);
    expect(download.suggestedFilename()).toBe('picks.csv');
    const csv = (await readFile((await download.path())!, 'utf8')).replace(/^\ufeff/, '');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('job_id,mark,note,marked_at,file,prompt,seed,status,axis prompt,axis aspect_ratio,axis seed,axis quality');
    expect(lines.find((l) => l.startsWith('sweep6,'))).toContain(`favourite,"'=HYPERLINK(""x""), ""quoted"", comma"`);
    expect(lines.find((l) => l.startsWith('sweep12,'))).toContain(`,${job12.file},A fox running through snow,${job12.seed},succeeded,fox,9:16,1,540p`);
    expect(lines.length).toBe(1 + Object.keys(picks.takes).length);
  });

  it('serves a favicon and logs no 404 on load', async () => {
    await page.reload();
    await page.locator('figure.take').first().waitFor();
    expect(notFound).toEqual([]);
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
    const res = await fetch(new URL('/favicon.ico', server.url));
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    expect(await res.text()).toContain('<svg');
  });

  it('on a phone, full screen steps with ‹ › and swipes, and shows no keyboard hints', async () => {
    const phone = await phonePage(browser);
    await phone.goto(server.url);
    await phone.locator('figure[data-id="sweep0"]').click();
    await expect.poll(() => phone.locator('.v-pane').first().getAttribute('data-id')).toBe('sweep0');
    expect(await phone.locator('#viewer .keys').count()).toBe(0);
    expect(await phone.locator('#viewer [title^="key"]').count()).toBe(0);
    expect(await phone.locator('#v-close').textContent()).toBe('close');
    expect(await phone.locator('#v-prev').isDisabled()).toBe(true);
    await phone.locator('#v-next').tap();
    await expect.poll(() => phone.locator('.v-pane').first().getAttribute('data-id')).not.toBe('sweep0');
    const second = await phone.locator('.v-pane').first().getAttribute('data-id');
    const swipe = (from: number, to: number) => phone.locator('.v-media').evaluate((node, [a, b]) => {
      const touch = (x: number) => new Touch({ identifier: 1, target: node, clientX: x, clientY: 200 });
      node.dispatchEvent(new TouchEvent('touchstart', { touches: [touch(a!)], changedTouches: [touch(a!)], bubbles: true }));
      node.dispatchEvent(new TouchEvent('touchend', { touches: [], changedTouches: [touch(b!)], bubbles: true }));
    }, [from, to]);
    await swipe(300, 100); // finger right to left: the next take
    await expect.poll(() => phone.locator('.v-pane').first().getAttribute('data-id')).not.toBe(second);
    await swipe(100, 300); // back
    await expect.poll(() => phone.locator('.v-pane').first().getAttribute('data-id')).toBe(second);
    await phone.screenshot({ path: 'test-results/review-phone-full.png' }).catch(() => undefined);
    await phone.close();
    // A desktop still shows the keys.
    await page.locator('figure[data-id="sweep0"]').click();
    expect(await page.locator('#viewer .keys').textContent()).toContain('Esc close');
    await page.keyboard.press('Escape');
  });
});
