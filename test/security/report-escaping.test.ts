import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Plain ESM shared with the benchmarks.
import { runCli } from '../../bench/lib/cli-process.mjs';
import { manifestOf, TIME_SCALE } from '../faults/fault-run.js';
import { markupOf, readPageData } from '../report/report-page.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/**
 * End to end through `run`: text a hostile service sends (an ErrMsg full of markup) and hostile prompt text reach
 * ledger.json and report.html; the page shows them as text and runs none of them.
 */
const PAYLOAD = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"\'><svg onload=alert(3)>';

let dir: string;
let server: ReturnType<typeof createServer>;
let base: string;
let requests = 0;

beforeAll(async () => {
  dir = await makeTempDir('report-escape');
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ErrCode: 400017, ErrMsg: `invalid parameter ${PAYLOAD}`, Resp: {} }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await removeTempDir(dir);
});

describe('report.html escapes what the manifest and the service say', () => {
  it('a service error message and a prompt full of markup are shown as text', async () => {
    const manifestPath = path.join(dir, 'm.yaml');
    await writeFile(manifestPath, manifestOf([`a cat ${PAYLOAD}`, 'a dog']));
    const out = path.join(dir, 'out');
    const r = await runCli(['run', manifestPath, '--base-url', base, '--time-scale', String(TIME_SCALE), '--out', out, '--no-progress'], {
      env: { DMXAPI_API_KEY: 'sk-escape' },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(5);
    // 400017 is fatal for the job: one submit each, never retried.
    expect(requests).toBe(2);
    expect(await readFile(path.join(out, 'ledger.json'), 'utf8')).toContain('onerror=alert(2)');
    const page = await readFile(path.join(out, 'report.html'), 'utf8');
    // Data embedded as JSON for the filters: not one `<` inside it, so it cannot end its script element.
    const data = [...page.matchAll(/<script type="application\/json"[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(data.join('')).toContain('onerror=alert(2)');
    for (const d of data) expect(d).not.toContain('<');
    // The page's script renders that data with DOM text nodes (test/report/report-browser.test.ts runs it in
    // Chromium); the markup itself carries none of it, so none of its markup is live.
    const html = markupOf(page);
    for (const raw of ['<script>alert(1)', '<img src=x', '<svg onload', '</script><script>alert', 'onerror=']) expect(html).not.toContain(raw);
    const takes = readPageData(page).takes;
    expect(takes.some((t) => String(t.request.input).includes(`a cat ${PAYLOAD}`))).toBe(true);
    expect(takes.some((t) => t.error?.message.includes('400017'))).toBe(true);
  });
});
