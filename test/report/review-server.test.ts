import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { writeLedger } from '../../src/ledger/store.js';
import { parsePicks, readPicks, writePicks } from '../../src/report/picks.js';
import { ensurePosters, PosterMaker } from '../../src/report/posters.js';
import { PICKS_BODY_MAX, startReviewServer, type ReviewServer } from '../../src/report/review-server.js';
import { demoLedger, makeLedgerJob, makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { it, makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { readPageData } from './report-page.js';

const MEDIA = resolve('fixtures/media');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so the test controls Host and every header exactly as a hostile local page could. */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let dir: string;
let server: ReviewServer;
let base: string;
const PICKS = { version: 1, updated_at: '2026-12-01T12:00:00.000Z', takes: { job0: { mark: 'favourite', note: 'keep' }, job1: { mark: 'reject', note: '' } } };

beforeAll(async () => {
  dir = await makeTempDir('review-server');
  const ledger = demoLedger();
  for (const job of ledger.jobs) await copyFile(join(MEDIA, `540p-${job.request.aspect_ratio!.replace(':', 'x')}-silent.mp4`), join(dir, job.file));
  await writeLedger(dir, ledger);
  await writeFile(join(dir, 'secret.txt'), 'not for the page');
  server = await startReviewServer({ outDir: dir, secrets: ['sk-never-in-the-page-123'] });
  base = new URL(server.url).origin;
});

afterAll(async () => {
  await server?.close();
  if (dir) await removeTempDir(dir);
});

const post = (body: string, headers: Record<string, string> = {}) =>
  call(`${base}/picks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-paiwo-token': server.token, ...headers }, body });

describe('paiwo-batch review: the server', () => {
  it('listens on loopback only, and serves the page only with the run\'s token', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    expect((await call(`${base}/`)).status).toBe(403);
    expect((await call(`${base}/?token=wrong`)).status).toBe(403);
    const page = await call(server.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(readPageData(page.body).raw.review).toBe(true);
  });

  it('refuses another Host (DNS rebinding), and anything the ledger does not name', async () => {
    expect((await call(server.url, { headers: { host: 'evil.example:80' } })).status).toBe(403);
    for (const path of ['/secret.txt', '/ledger.json', '/picks.json', '/..%2Fetc%2Fpasswd', '/%E0%A4%A']) expect((await call(`${base}${path}?token=${server.token}`)).status).toBe(404);
  });

  it('serves a take\'s video with Range support', async () => {
    const file = demoLedger().jobs[0]!.file;
    const whole = await call(`${base}/${encodeURIComponent(file)}?token=${server.token}`);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const part = await call(`${base}/${encodeURIComponent(file)}?token=${server.token}`, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-length']).toBe('100');
    expect(part.headers['content-range']).toMatch(/^bytes 0-99\/\d+$/);
  });

  it('writes picks.json from a POST carrying the token; refuses without it, other types, bad shapes and big bodies', async () => {
    expect((await post(JSON.stringify(PICKS), { 'x-paiwo-token': 'nope' })).status).toBe(403);
    expect((await post(JSON.stringify(PICKS), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('{"version":2}')).status).toBe(400);
    expect((await post(JSON.stringify({ ...PICKS, takes: { a: { mark: 'maybe', note: '' } } }))).status).toBe(400);
    expect((await post('x'.repeat(PICKS_BODY_MAX + 10))).status).toBe(413);
    expect(existsSync(join(dir, 'picks.json'))).toBe(false);
    const ok = await post(JSON.stringify(PICKS));
    expect(ok.status).toBe(200);
    expect(JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8'))).toEqual(PICKS);
    const got = await call(`${base}/picks`, { headers: { 'x-paiwo-token': server.token } });
    expect(JSON.parse(got.body)).toEqual(PICKS);
    // The page served next shows them.
    expect(readPageData((await call(server.url)).body).raw.picks).toEqual(PICKS);
  });

  it('serialises saves: ten at once all succeed and leave one whole picks.json', async () => {
    const docs = Array.from({ length: 10 }, (_, i) => ({ version: 1, updated_at: `2026-12-01T12:00:0${i}.000Z`, takes: { [`job${i % 8}`]: { mark: 'favourite', note: `n${i}` } } }));
    const answers = await Promise.all(docs.map((d) => post(JSON.stringify(d))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(docs).toContainEqual(JSON.parse(await readFile(join(dir, 'picks.json'), 'utf8')));
  });

  it('never puts the API key in the page', async () => {
    await writeLedger(dir, makeLedger([...demoLedger().jobs, makeLedgerJob({ id: 'k', status: 'failed', error: { code: 401, message: 'bad key sk-never-in-the-page-123' } })]));
    expect((await call(server.url)).body).not.toContain('sk-never-in-the-page-123');
  });
});

describe('picks.json', () => {
  it('drops unmarked takes, keeps marks and notes, and refuses what promote could not read', () => {
    const picks = parsePicks({ version: 1, updated_at: '2026-12-01T00:00:00Z', takes: { a: { mark: 'favourite', note: '' }, b: { mark: null, note: '' }, c: { mark: null, note: 'why' } } });
    expect(picks.takes).toEqual({ a: { mark: 'favourite', note: '' }, c: { mark: null, note: 'why' } });
    expect(() => parsePicks({ version: 1, updated_at: 'yesterday', takes: {} })).toThrow(/updated_at/);
    expect(() => parsePicks({ version: 1, updated_at: '2026-12-01T00:00:00Z', takes: { a: { mark: 'fav' } } })).toThrow(/mark must be/);
    expect(() => parsePicks([])).toThrow(/not a JSON object/);
  });

  it('is written atomically: a planted link is replaced, its target untouched', async ({ tmp: folder }) => {
    const victim = join(folder, 'victim.txt');
    await writeFile(victim, 'precious');
    await symlink(victim, join(folder, 'picks.json'));
    await writePicks(folder, parsePicks(PICKS));
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(join(folder, 'picks.json'))).isSymbolicLink()).toBe(false);
    expect(await readPicks(folder)).toEqual(PICKS);
    expect(await readPicks(join(folder, 'none'))).toBeNull();
  });
});

describe('posters', () => {
  it('are made in the background as a run saves videos, and a stop drops what still waits; a later report finishes them', async ({ tmp: folder }) => {
    const jobs = demoLedger().jobs.slice(0, 3);
    for (const job of jobs) await copyFile(join(MEDIA, '540p-16x9-silent.mp4'), join(folder, job.file));
    const maker = new PosterMaker();
    maker.add(folder, jobs[0]!);
    await expect.poll(() => existsSync(join(folder, '.posters/job0.jpg')), { timeout: 20_000 }).toBe(true);
    await maker.stop();
    maker.add(folder, jobs[1]!); // after stop: dropped
    await maker.stop();
    expect(existsSync(join(folder, '.posters/job1.jpg'))).toBe(false);
    // The report reuses the one made and, with a limit of one, makes one more and defers the last.
    const report = await ensurePosters(folder, jobs, { maxExtract: 1 });
    expect(report.posters.size).toBe(2);
    expect(report.deferred).toBe(1);
  });

  it('are extracted once per video with ffmpeg and reused; without ffmpeg the report is told so', async ({ tmp: folder }) => {
    const jobs = demoLedger().jobs.slice(0, 2);
    for (const job of jobs) await copyFile(join(MEDIA, '540p-16x9-silent.mp4'), join(folder, job.file));
    const none = await ensurePosters(folder, jobs, { ffmpeg: join(folder, 'no-ffmpeg') });
    expect(none).toEqual({ posters: new Map(), ffmpeg: false, deferred: 0, small: new Set() });
    const made = await ensurePosters(folder, jobs);
    expect([...made.posters.entries()].sort()).toEqual([['job0', '.posters/job0.jpg'], ['job1', '.posters/job1.jpg']]);
    const jpeg = await readFile(join(folder, '.posters/job0.jpg'));
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const before = (await lstat(join(folder, '.posters/job0.jpg'))).mtimeMs;
    // Cached: a second pass (even with no ffmpeg at all) finds them and extracts nothing.
    const again = await ensurePosters(folder, jobs, { ffmpeg: join(folder, 'no-ffmpeg') });
    expect(again.posters.size).toBe(2);
    expect(again.ffmpeg).toBe(true);
    expect((await lstat(join(folder, '.posters/job0.jpg'))).mtimeMs).toBe(before);
  });

  it('a video ffmpeg cannot read simply has no poster; the others of its batch still get theirs', async ({ tmp: folder }) => {
    const jobs = [makeLedgerJob({ id: 'good1', file: 'good1.mp4' }), makeLedgerJob({ id: 'bad', file: 'bad.mp4' }), makeLedgerJob({ id: 'good2', file: 'good2.mp4' })];
    await writeFile(join(folder, 'bad.mp4'), 'not a video');
    for (const f of ['good1.mp4', 'good2.mp4']) await copyFile(join(MEDIA, '360p-1x1-silent.mp4'), join(folder, f));
    const result = await ensurePosters(folder, jobs);
    expect([...result.posters.keys()].sort()).toEqual(['good1', 'good2']);
    expect(result.ffmpeg).toBe(true);
  });
});

describe('posters left half-made', () => {
  it('a temp poster of a killed runner is removed at the next report; one of a live process is not', async ({ tmp: folder }) => {
    await mkdir(join(folder, '.posters'));
    // pid 2^22 + 7 is above the largest pid Linux can hand out (pid_max ≤ 2^22): never a live process.
    const dead = join(folder, '.posters', 'a.jpg.tmp-4194311-x.jpg');
    const live = join(folder, '.posters', `b.jpg.tmp-${process.ppid}-y.jpg`);
    await writeFile(dead, 'half');
    await writeFile(live, 'half');
    await ensurePosters(folder, []);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe('posters and links', () => {
  it('a .posters planted as a link is neither written through nor read', async ({ tmp: folder }) => {
    const elsewhere = join(folder, 'elsewhere');
    await mkdir(elsewhere);
    const out = join(folder, 'out');
    await mkdir(out);
    await symlink(elsewhere, join(out, '.posters'));
    const jobs = [makeLedgerJob({ id: 'job0', file: 'job0.mp4' })];
    await copyFile(join(MEDIA, '360p-1x1-silent.mp4'), join(out, 'job0.mp4'));
    const result = await ensurePosters(out, jobs);
    expect(result.posters.size).toBe(0);
    expect(existsSync(join(elsewhere, 'job0.jpg'))).toBe(false);
  });
});
