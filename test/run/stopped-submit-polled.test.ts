import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { readLedger } from '../../src/ledger/store.js';
import { businessErrorText, fetchSuccessText, submitSuccessText } from '../../src/simulator/responses.js';
import { readBody, startHttpServer, type TestServer } from '../api/test-server.js';
import { KEY, eachTestInProject, writeManifest } from './run-helpers.js';

let dir: string;
let server: TestServer | undefined;
eachTestInProject((d) => (dir = d), () => server);

/**
 * p-retry throws its signal's reason after a call that succeeded: a submit accepted while the run stopped
 * submitting (an empty balance here; the failure-rate breaker does it mid-flight all the time) was recorded as
 * paid, but never polled in that run. Now it is polled to its end like any other paid job.
 */
describe('a submit accepted just after submitting stopped', () => {
  it('is still polled to its end in the same run', async () => {
    const VIDEO = '385000000000077';
    let submits = 0;
    let refusedAnswered!: () => void;
    const refused = new Promise<void>((resolve) => (refusedAnswered = resolve));
    server = await startHttpServer(async (req, res) => {
      const body = JSON.parse((await readBody(req)) || '{}') as { model?: string };
      res.setHeader('Content-Type', 'application/json');
      if (body.model === 'paiwo-get') {
        const t = '2026-12-05T00:00:00Z';
        res.end(fetchSuccessText({ id: VIDEO, prompt: 'p', negativePrompt: '', url: '', status: 8, seed: 1, createTime: t, modifyTime: t, width: 0, height: 0, hasAudio: false, credits: 35 }));
        return;
      }
      if (++submits === 1) {
        // The first submit: the account is empty (submits stop); the other one is already on the wire.
        res.end(businessErrorText(500090));
        res.on('finish', () => setTimeout(refusedAnswered, 100));
        return;
      }
      await refused;
      res.end(submitSuccessText(VIDEO, 35));
    });
    const file = await writeManifest(dir, ['a cat', 'a dog'], [1], 'run:\n  concurrency: 2\n');
    const r = await runCli(['run', file, '--base-url', server.url, '--time-scale', '0.003', '--json'], { cwd: dir, env: { DMXAPI_API_KEY: KEY }, inheritEnv: false, timeoutMs: 60_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(4);
    expect(submits).toBe(2);
    const ledger = await readLedger(join(dir, 'output/t'));
    const paid = ledger.jobs.find((j) => j.video_id === VIDEO)!;
    // Polled: the service's status 8 is recorded (it was left `submitted` before).
    expect(paid.status).toBe('failed');
    expect(paid.error?.code).toBe('STATUS_8');
  });
});
