import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReport } from '../../src/report/write-report.js';
import { makeLedger, makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import type { LedgerJob } from '../../src/ledger/types.js';
import { mulberry32 } from '../../src/util/mulberry32.js';
import { CHROMIUM, describeWith } from '../helpers/requirements.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { readPageData, type PageTake } from './report-page.js';
import { cardIds, hashOf, LAUNCH, shownLine, sweepJobs, writeSomePicks } from './review-fixture.js';

/** What the controls say, read from the page: unticked boxes, the marks filter, the search box and the axes. */
interface Controls {
  unticked: [string, string][];
  names: Record<string, string>;
  mark: string;
  q: string;
  axes: string[];
}
const readControls = (page: Page): Promise<Controls> =>
  page.evaluate(() => ({
    unticked: Array.from(document.querySelectorAll<HTMLInputElement>('input[data-filter]')).filter((i) => !i.checked).map((i) => [i.dataset.filter!, i.value] as [string, string]),
    names: Object.fromEntries(Array.from(document.querySelectorAll('fieldset[data-filter]')).map((f) => [f.getAttribute('data-filter')!, f.querySelector('legend')!.firstChild!.textContent!.trim()])),
    mark: (document.querySelector('#mark-filter') as HTMLSelectElement).value,
    q: (document.querySelector('#search') as HTMLInputElement).value,
    axes: ['group', 'rows', 'cols'].map((k) => (document.querySelector(`#axis-${k}`) as HTMLSelectElement).value),
  }));

/** The takes the controls ask for, computed here from the page's data and the marks, independently of the page. */
function expectedShown(takes: PageTake[], marks: Record<string, { mark: string | null; note: string }>, c: Controls): number {
  const words = c.q.toLowerCase().split(/\s+/).filter(Boolean);
  return takes.filter((t) => {
    for (const [key, value] of c.unticked) {
      if (key === 'status' ? t.status === value : (t.axes[c.names[key]!] ?? '—') === value) return false;
    }
    const m = marks[t.id] ?? { mark: null, note: '' };
    const text = [t.request.input, t.request.negative_prompt ?? '', t.file, m.note].join('\n').toLowerCase();
    if (!words.every((w) => text.includes(w))) return false;
    switch (c.mark) {
      case 'favourite': return m.mark === 'favourite';
      case 'reject': return m.mark === 'reject';
      case 'unmarked': return m.mark === null;
      case 'noreject': return m.mark !== 'reject';
      case 'noted': return m.note !== '';
      default: return true;
    }
  }).length;
}

const openFilters = (page: Page): Promise<void> => page.locator('#filter-box').evaluate((d) => void ((d as HTMLDetailsElement).open = true));

const countLine = (n: number, of: number): string => (n === of ? `Showing all ${of} takes` : `Showing ${n} of ${of} takes`);

describeWith([CHROMIUM], 'filters that hold: any sequence of changes shows the set the controls describe', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let takes: PageTake[];
  let marks: Record<string, { mark: string | null; note: string }>;

  beforeAll(async () => {
    dir = await makeTempDir('review-filters');
    const jobs = sweepJobs();
    await writeSomePicks(dir);
    marks = JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8')).takes;
    const path = await writeReport(dir, makeLedger(jobs), { extractPosters: false });
    takes = readPageData(await readFile(path, 'utf8')).takes;
    browser = await chromium.launch(LAUNCH);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(pathToFileURL(path).href);
    await page.locator('figure.take').first().waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await removeTempDir(dir);
  });

  it('un-ticking a value after changing Rows, Columns or Marks still filters (the reported bug)', async () => {
    await page.locator('#axis-rows').selectOption({ label: 'seed' });
    await page.locator('#mark-filter').selectOption('noreject');
    await openFilters(page);
    await page.locator('input[data-filter][value="9:16"]').uncheck();
    const c = await readControls(page);
    expect(c.unticked).toEqual([[expect.stringMatching(/^a\d+$/), '9:16']]);
    const n = expectedShown(takes, marks, c);
    expect(n).toBeLessThan(takes.length - 1);
    expect(await shownLine(page)).toContain(countLine(n, takes.length));
    expect(await page.locator('figure.take').count()).toBe(n);
    await page.goto(page.url().split('#')[0] + '#');
    await page.reload();
    await page.locator('figure.take').first().waitFor();
  });

  it('random sequences of axis, mark, status, value and search changes (seeded): #shown and the cards match the boxes', async () => {
    const draw = mulberry32(24);
    const pick = <T>(list: readonly T[]): T => list[draw() % list.length]!;
    await openFilters(page);
    const steps: string[] = [];
    for (let step = 0; step < 60; step++) {
      const kind = pick(['axis', 'axis', 'mark', 'box', 'box', 'box', 'all', 'search']);
      if (kind === 'axis') {
        const key = pick(['group', 'rows', 'cols']);
        const values = await page.locator(`#axis-${key} option`).evaluateAll((o) => o.map((e) => (e as HTMLOptionElement).value));
        const value = pick(values);
        await page.locator(`#axis-${key}`).selectOption(value);
        steps.push(`${key}=${value}`);
      } else if (kind === 'mark') {
        const value = pick(['all', 'favourite', 'reject', 'noreject', 'unmarked', 'noted']);
        await page.locator('#mark-filter').selectOption(value);
        steps.push(`mark=${value}`);
      } else if (kind === 'box') {
        const boxes = page.locator('input[data-filter]');
        const i = draw() % (await boxes.count());
        await boxes.nth(i).click();
        steps.push(`box ${await boxes.nth(i).getAttribute('value')}`);
      } else if (kind === 'all') {
        const sets = page.locator('fieldset[data-filter]');
        const set = sets.nth(draw() % (await sets.count()));
        const which = pick(['all', 'none', 'all']);
        await set.locator('legend button', { hasText: new RegExp(`^${which}$`) }).click();
        steps.push(`${which} of ${await set.getAttribute('data-filter')}`);
      } else {
        const q = pick(['', 'fox', 'kitten', 'dark', 'seed2', 'FOX snow', '9x16']);
        await page.locator('#search').fill(q);
        steps.push(`q=${q}`);
      }
      const c = await readControls(page);
      const chosen = c.axes.filter((a) => a !== '-1');
      expect(new Set(chosen).size, `one axis twice after ${steps.join(', ')}`).toBe(chosen.length);
      const n = expectedShown(takes, marks, c);
      await expect.poll(() => shownLine(page), { message: `after ${steps.join(', ')}` }).toContain(countLine(n, takes.length));
      expect((await cardIds(page)).length, `cards after ${steps.join(', ')}`).toBe(n);
    }
    // The whole view is in the URL: a reload shows the same set.
    const before = await shownLine(page);
    await page.reload();
    await page.locator('#shown').waitFor();
    expect(await shownLine(page)).toBe(before);
  });
});

/** prompts × aspect ratios × seeds: the sweep of the issue, 20 × 5 × 20 = 2,000 takes. */
function bigSweep(): LedgerJob[] {
  const jobs: LedgerJob[] = [];
  for (let p = 0; p < 20; p++) for (const ar of ['16:9', '9:16', '1:1', '4:3', '3:4'] as const) for (let seed = 1; seed <= 20; seed++) {
    jobs.push(makeLedgerJob({ id: `t${jobs.length}`, file: `p${p}_${ar.replace(':', 'x')}_s${seed}.mp4`, request: { model: 'paiwo-v5.6-ttv', input: `prompt ${p}`, aspect_ratio: ar, quality: '540p', duration: 5, seed }, axes: { prompt: `p${p}`, aspect_ratio: ar, seed } }));
  }
  return jobs;
}

describeWith([CHROMIUM], 'the compact view of a big sweep (2,000 takes)', () => {
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = await makeTempDir('review-compact');
    browser = await chromium.launch(LAUNCH);
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await removeTempDir(dir);
  });

  it('opens with seeds as columns fitted to the width, filters folded, no caption repeating a header, even Size steps; Rows and Columns never share an axis', async () => {
    const big = join(dir, 'big');
    await mkdir(big);
    const path = await writeReport(big, makeLedger(bigSweep()), { extractPosters: false });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(pathToFileURL(path).href);
    await page.locator('figure.take').first().waitFor();
    const selected = async (key: string) => page.locator(`#axis-${key} option:checked`).textContent();
    expect([await selected('group'), await selected('rows'), await selected('cols')]).toEqual(['prompt', 'aspect_ratio', 'seed']);
    expect(await page.locator('#size').inputValue()).toBe('fit');
    expect(await page.locator('#filter-box').getAttribute('open')).toBeNull();
    // Fit to width: the 20 seeds of a row side by side without sideways scrolling.
    const first = page.locator('section.group').first();
    expect(await first.locator('thead th[scope="col"]').count()).toBe(20);
    const [scrollWidth, clientWidth] = await first.locator('.scroll').evaluate((e) => [e.scrollWidth, e.clientWidth]);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    // One take per cell: its prompt, aspect ratio and seed are the group, row and column; the caption says none of them.
    expect((await page.locator('figure.take .lbl').allTextContents()).every((t) => t === '')).toBe(true);
    expect(await page.locator('video').count()).toBe(0);
    // A small card opens where it is clicked: its compare button keeps to a corner.
    await page.locator('figure.take').nth(3).click();
    expect(await page.locator('#viewer').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    // Size steps: each the same ratio to the last.
    const sizes = (await page.locator('#size option').evaluateAll((o) => o.map((e) => (e as HTMLOptionElement).value))).filter((v) => v !== 'fit').map(Number);
    const ratios = sizes.slice(1).map((s, i) => s / sizes[i]!);
    expect(ratios.every((r) => Math.abs(r - 1.25) < 0.04)).toBe(true);
    await page.locator('#size-up').click();
    expect(hashOf(page)).toMatch(/size=\d+/);
    // Rows takes the columns' axis: the columns take the rows' old one.
    await page.locator('#axis-rows').selectOption({ label: 'seed' });
    expect([await selected('rows'), await selected('cols')]).toEqual(['seed', 'aspect_ratio']);
    expect(hashOf(page)).toContain('rows=seed&cols=aspect_ratio');
    // A hash that names one axis twice keeps it once.
    await page.goto(path.startsWith('/') ? `${pathToFileURL(path).href}#rows=seed&cols=seed` : '');
    await page.reload();
    await page.locator('figure.take').first().waitFor();
    expect([await selected('rows'), await selected('cols')]).toEqual(['seed', '(none)']);
    await page.close();
  });
});
