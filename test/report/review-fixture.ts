import { copyFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { LedgerJob } from '../../src/ledger/types.js';
import { makeLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { CHROMIUM_PATH } from '../helpers/requirements.js';

export const LAUNCH = {
  executablePath: CHROMIUM_PATH,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
};

const MEDIA = resolve('fixtures/media');
const PROMPTS = [
  { id: 'cat', text: 'A kitten playing in the grass' },
  { id: 'fox', text: 'A fox running through snow' },
];

/**
 * A small seed sweep as a reviewer meets it: 2 prompts × 3 aspect ratios × 3 seeds at 540p (two failed), plus
 * one take promoted to 1080p by a second manifest (`promo`, from `sweep1`).
 */
export function sweepJobs(): LedgerJob[] {
  const jobs: LedgerJob[] = [];
  for (const p of PROMPTS) for (const ar of ['16:9', '9:16', '1:1'] as const) for (const seed of [1, 2, 3]) {
    const i = jobs.length;
    const status = i === 4 || i === 13 ? 'failed' : 'succeeded';
    jobs.push(makeLedgerJob({
      id: `sweep${i}`, status, manifest: 'manifests/night.yaml', manifest_name: 'night-sweep', file: `${p.id}_${ar.replace(':', 'x')}_540p_seed${seed}.mp4`,
      seed: status === 'succeeded' ? 700000000 + i : null,
      request: { model: 'paiwo-v5.6-ttv', input: p.text, aspect_ratio: ar, quality: '540p', duration: 5, generate_audio_switch: false, seed },
      axes: { prompt: p.id, aspect_ratio: ar, seed },
      error: status === 'failed' ? { code: 8, message: 'generation failed' } : null,
    }));
  }
  const source = jobs[1]!;
  const promo = makeLedgerJob({
    id: 'promo', manifest: 'manifests/promoted.yaml', manifest_name: 'night-sweep-promoted', file: 'cat_16x9_1080p_promoted.mp4', seed: source.seed,
    request: { ...source.request, quality: '1080p', seed: source.seed! },
    axes: { prompt: 'cat', aspect_ratio: '16:9', quality: '1080p', seed: source.seed! },
  });
  (promo as LedgerJob & { promoted_from: string }).promoted_from = source.id;
  return [...jobs, promo];
}

export async function copyMedia(dir: string, jobs: readonly LedgerJob[]): Promise<void> {
  for (const job of jobs) {
    if (job.status !== 'succeeded') continue;
    const quality = job.request.quality === '1080p' ? '720p' : job.request.quality;
    await copyFile(join(MEDIA, `${quality}-${(job.request.aspect_ratio ?? '16:9').replace(':', 'x')}-silent.mp4`), join(dir, job.file));
  }
}

/** A picks.json beside the ledger: two favourites, a reject and a note (the page embeds it). */
export async function writeSomePicks(dir: string): Promise<void> {
  const takes = {
    sweep0: { mark: 'favourite', note: '' },
    sweep7: { mark: 'reject', note: 'too dark, hands odd' },
    sweep10: { mark: 'favourite', note: 'best fox' },
    sweep15: { mark: null, note: 'dark snow' },
  };
  await writeFile(join(dir, 'picks.json'), JSON.stringify({ version: 1, updated_at: '2026-12-05T00:00:00.000Z', takes }));
}

export const shownLine = (page: Page): Promise<string | null> => page.locator('#shown').textContent();
export const cardIds = (page: Page): Promise<string[]> => page.locator('figure.take').evaluateAll((f) => f.map((e) => e.getAttribute('data-id')!));
export const hashOf = (page: Page): string => decodeURIComponent(new URL(page.url()).hash);

export async function phonePage(browser: Browser): Promise<Page> {
  return browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
}
