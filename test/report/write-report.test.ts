import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { writeReport } from '../../src/report/write-report.js';
import { axisNames, axisValues, NO_VALUE } from '../../src/report/layout.js';
import { reportData } from '../../src/report/data.js';
import { demoLedger, makeLedgerJob, makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';
import { dataJson, readPageData } from './report-page.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

describe('the axes of the report', () => {
  it('orders values naturally whatever order a merged ledger lists jobs in', () => {
    const mk = (id: string, quality: '360p' | '720p' | '1080p', seed: number, aspect: '16:9' | '9:16') =>
      makeLedgerJob({ id, request: { model: 'paiwo-v5.6-ttv', input: 'p', aspect_ratio: aspect, quality, duration: 5, seed }, axes: { prompt: 'p', aspect_ratio: aspect, quality, seed } });
    const jobs = [mk('a', '1080p', 10, '9:16'), mk('b', '360p', 2, '16:9'), mk('c', '720p', 10, '16:9'), mk('d', '360p', 10, '16:9')];
    expect(axisNames(jobs)).toEqual(['prompt', 'aspect_ratio', 'quality', 'seed']);
    expect(axisValues(jobs, 'quality')).toEqual(['360p', '720p', '1080p']);
    expect(axisValues(jobs, 'aspect_ratio')).toEqual(['16:9', '9:16']);
    expect(axisValues(jobs, 'seed')).toEqual(['2', '10']);
  });

  it('gives a job without a request field the manifest varied elsewhere the value it was rendered at, not "none"', () => {
    const source = makeLedgerJob({ id: 's', axes: { prompt: 'cat', seed: 1 } });
    const promoted = makeLedgerJob({ id: 'p', axes: { prompt: 'cat', seed: 7, quality: '1080p' }, request: { ...source.request, quality: '1080p' } });
    expect(source.request.quality).not.toBe('1080p');
    expect(axisValues([source, promoted], 'quality')).toEqual([source.request.quality, '1080p']);
  });

  it('gives an axis only some jobs have (from an include) a "none" value; the page data gives it -1', () => {
    const a = makeLedgerJob({ id: 'a', axes: { prompt: 'cat', aspect_ratio: '16:9' } });
    const b = makeLedgerJob({ id: 'b', axes: { prompt: 'cat', aspect_ratio: '16:9', motion: 'fast' } });
    expect(axisValues([a, b], 'motion')).toEqual(['fast', NO_VALUE]);
    const data = reportData(makeLedger([a, b])) as { axes: { name: string; values: string[] }[]; takes: unknown[][]; fields: string[] };
    const axesAt = data.fields.indexOf('axes');
    const duration = data.axes.findIndex((x) => x.name === 'motion');
    expect(data.axes[duration]?.values).toEqual(['fast']);
    expect(data.takes.map((t) => (t[axesAt] as number[])[duration])).toEqual([-1, 0]);
  });
});

describe('the page data', () => {
  it('puts each of a take\'s facts under its field name', () => {
    const job = makeLedgerJob({
      id: 'take1', status: 'succeeded', seed_requested: 11, seed: 12, credits: 13, estimated_credits: 14, credits_refunded: 15, file: 'take1.mp4',
      video_id: '16', width: 17, height: 18, bytes: 19, has_audio: true, error: { code: 'E20', message: 'twenty' }, promoted_from: 'f21',
      submitted_at: '2026-12-01T00:00:22.000Z', finished_at: '2026-12-01T00:00:23.000Z', attempts: 24,
      request: { model: 'paiwo-v5.6-ttv', input: 'a cat', aspect_ratio: '16:9', quality: '540p', duration: 5, seed: 25 },
    });
    const data = reportData(makeLedger([job]), { posters: new Map([['take1', '.posters/take1.jpg']]) }) as { fields: string[]; takes: unknown[][] };
    const take = Object.fromEntries(data.fields.map((f, i) => [f, data.takes[0]![i]]));
    expect(take).toMatchObject({
      id: 'take1', status: 3, req: 0, seed_requested: 11, seed: 12, credits: 13, estimated_credits: 14, credits_refunded: 15, file: 'take1.mp4',
      src: 'take1.mp4', poster: '.posters/take1.jpg', video_id: '16', width: 17, height: 18, bytes: 19, has_audio: true,
      error: { code: 'E20', message: 'twenty' }, promoted_from: 'f21', submitted_at: '2026-12-01T00:00:22.000Z', finished_at: '2026-12-01T00:00:23.000Z',
      attempts: 24, request_seed: 25,
    });
    expect(data.takes[0]!.length).toBe(data.fields.length);
  });
});

describe('writeReport', () => {
  it('writes report.html beside the ledger: totals, and every take once in the embedded data', async () => {
    const ledger = demoLedger({ 2: 'failed', 5: 'skipped' });
    for (const job of ledger.jobs) if (job.status === 'succeeded') await writeFile(join(dir, job.file), 'x');
    const path = await writeReport(dir, ledger, { ffmpeg: '/nonexistent/ffmpeg' });
    expect(path).toBe(join(dir, 'report.html'));
    const page = await readFile(path, 'utf8');
    const { takes, raw } = readPageData(page);
    expect(takes.map((t) => t.id)).toEqual(ledger.jobs.map((j) => j.id));
    expect(takes.filter((t) => t.src !== null)).toHaveLength(6);
    expect(takes[0]).toMatchObject({ src: 'cat_16x9_540p_5s_seed1.mp4', status: 'succeeded', axes: { manifest: 'demo', prompt: 'cat', aspect_ratio: '16:9', seed: '1' } });
    expect(takes[0]?.request).toMatchObject({ input: 'A kitten playing in the grass', seed: 1, quality: '540p' });
    expect(raw.axes.map((a) => a.name)).toEqual(['manifest', 'prompt', 'aspect_ratio', 'seed']);
    // Without ffmpeg: no posters, and the page is told so (it says once that posters need ffmpeg).
    expect(raw.ffmpeg).toBe(false);
    expect(takes.every((t) => t.poster === null)).toBe(true);
    expect(page).toContain('<dd data-total="credits_spent">480</dd>');
    expect(page).toContain('<dd data-total="failed">1</dd>');
    // No markup per take: the page's script renders the grid, so the page stays small.
    expect(page).not.toContain('<figure');
    expect(page).not.toContain('<video');
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  it('lets exactly its one inline script run (CSP hash), loads nothing from elsewhere', async () => {
    const page = await readFile(await writeReport(dir, demoLedger(), { extractPosters: false }), 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1] ?? '';
    const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc).toMatch(/^'sha256-[A-Za-z0-9+/=]+'$/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:/);
    const scripts = [...page.matchAll(/<script>([^]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(`'sha256-${createHash('sha256').update(scripts[0]!).digest('base64')}'`).toBe(scriptSrc);
  });

  it('marks a succeeded job whose file is gone as having no video', async () => {
    const ledger = makeLedger([makeLedgerJob({ id: 'gone', file: 'gone.mp4' })]);
    const { takes } = readPageData(await readFile(await writeReport(dir, ledger), 'utf8'));
    expect(takes[0]).toMatchObject({ id: 'gone', status: 'succeeded', src: null, poster: null });
  });

  it('embeds the marks of <out>/picks.json; a broken picks.json is left out, not fatal', async () => {
    const picks = { version: 1, updated_at: '2026-12-01T10:00:00.000Z', takes: { job1: { mark: 'favourite', note: 'the light' } } };
    await writeFile(join(dir, 'picks.json'), JSON.stringify(picks));
    const ledger = demoLedger();
    expect(readPageData(await readFile(await writeReport(dir, ledger, { extractPosters: false }), 'utf8')).raw.picks).toEqual(picks);
    await writeFile(join(dir, 'picks.json'), '{ not json');
    expect(readPageData(await readFile(await writeReport(dir, ledger, { extractPosters: false }), 'utf8')).raw.picks).toBeNull();
  });

  it('never contains the API key, even when a service error message echoes it', async () => {
    const key = 'sk-live-0123456789abcdef';
    const ledger = makeLedger([makeLedgerJob({ id: 'x', status: 'failed', error: { code: 'HTTP_401', message: `Invalid Token ${key} (request id: 1)` } })]);
    const page = await readFile(await writeReport(dir, ledger, { secrets: [key] }), 'utf8');
    expect(page).not.toContain(key);
    expect(page).toContain('Invalid Token [redacted]');
  });

  it('reads the key from DMXAPI_API_KEY when the caller passes none', async () => {
    const previous = process.env.DMXAPI_API_KEY;
    process.env.DMXAPI_API_KEY = 'sk-env-key-42424242';
    try {
      const ledger = makeLedger([makeLedgerJob({ id: 'x', status: 'failed', error: { code: 401, message: 'bad key sk-env-key-42424242' } })]);
      expect(await readFile(await writeReport(dir, ledger), 'utf8')).not.toContain('sk-env-key-42424242');
    } finally {
      if (previous === undefined) delete process.env.DMXAPI_API_KEY;
      else process.env.DMXAPI_API_KEY = previous;
    }
  });

  it('escapes text from manifests and the service in the markup and in the embedded JSON', async () => {
    const job = makeLedgerJob({
      id: 'evil',
      status: 'failed',
      manifest_name: '<i>n</i>',
      video_id: `1" onerror="alert(1)`,
      error: { code: 500054, message: `'single' "double" <b>` },
      request: { model: 'paiwo-v5.6-ttv', input: '</script><script>alert(1)</script>', aspect_ratio: '16:9', quality: '540p', duration: 5 },
      axes: { prompt: `p" autofocus onfocus="alert(1)`, seed: 1 },
    });
    const page = await readFile(await writeReport(dir, makeLedger([job, makeLedgerJob({ id: 'ok', manifest_name: '<i>n</i>', axes: { prompt: 'q', seed: 1 } })])), 'utf8');
    expect(page.match(/<script/g)).toHaveLength(2);
    expect(page).not.toContain('onerror="');
    expect(page).not.toContain('onfocus="');
    expect(page).not.toContain('<i>n</i>');
    expect(page).toContain('<title>&lt;i&gt;n&lt;/i&gt; — paiwo-batch report</title>');
    expect(dataJson(page)).not.toContain('<');
    const { takes, raw } = readPageData(page);
    expect(takes[0]?.request.input).toBe('</script><script>alert(1)</script>');
    expect(takes[0]?.error?.message).toBe(`'single' "double" <b>`);
    expect(takes[0]?.video_id).toBe(`1" onerror="alert(1)`);
    expect(raw.axes.find((a) => a.name === 'prompt')?.values).toContain(`p" autofocus onfocus="alert(1)`);
  });

  it('writes a page for an empty ledger', async () => {
    const page = await readFile(await writeReport(dir, makeLedger([])), 'utf8');
    expect(readPageData(page).takes).toEqual([]);
    expect(page).toContain('0 jobs in 0 manifests');
  });
});
