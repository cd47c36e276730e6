import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli-process.mjs';
import { adoptCommand } from '../../src/commands/adopt.js';
import { UserError } from '../../src/errors/paiwo-error.js';
import { readLedger } from '../../src/ledger/store.js';
import { startSimulator, type Simulator } from '../../src/simulator/start-simulator.js';
import { KEY, eachTestInProject, writeManifest } from './run-helpers.js';
import { bufferedIO } from '../helpers/buffered-io.js';

/**
 * Issue 10, finding 5: a paid video's id is never only in memory. The disk filling is simulated with the
 * test-only hook PAIWO_DISK_FULL_AT (src/util/crash-point.ts): from the n-th journal line on, journal lines and
 * snapshots fail with ENOSPC, as on a full disk. With one job, journal line 1 is the intent and line 2 the answer.
 */
let dir: string;
let sim: Simulator;

eachTestInProject((d) => (dir = d), () => sim);

const OUT = 'output/t';
const run = (file: string, extra: NodeJS.ProcessEnv = {}, args: string[] = []) =>
  runCli(['run', file, '--base-url', sim.url, '--time-scale', '0.003', ...args], { cwd: dir, env: { DMXAPI_API_KEY: KEY, ...extra }, inheritEnv: false });

describe('the disk fills at the answer of a paid submit', () => {
  it('stops submitting, prints one actionable line per paid video, exits 7; adopt then run downloads it without paying again', async () => {
    sim = await startSimulator({ timeScale: 0.003 });
    const file = await writeManifest(dir, ['only job', 'never sent']);
    const r = await run(file, { PAIWO_DISK_FULL_AT: '2' }, ['--concurrency', '1']);
    expect(r.code, r.stderr.slice(-2000)).toBe(7);
    // One submit was paid, none after the failure.
    expect(sim.stats().submits.accepted).toBe(1);
    const videoId = sim.stats().videos[0]!.id;
    const line = r.stderr.split('\n').find((l) => l.includes('PAID BUT NOT RECORDED'));
    expect(line).toMatch(new RegExp(`^paiwo-batch: PAID BUT NOT RECORDED: job (\\S+) video ${videoId} \\(\\S+\\.mp4\\) — record it with: paiwo-batch adopt (\\S+) (\\S+) ${videoId}$`));
    expect(r.stderr.match(/PAID BUT NOT RECORDED/g)).toHaveLength(1);
    const [, jobId, outDir, jobId2] = /job (\S+) video .* adopt (\S+) (\S+) /.exec(line!)!;
    expect(jobId2).toBe(jobId);
    expect(outDir).toBe(join(dir, OUT));
    // The ledger on disk never got the answer: the job is held, its id is only in that line.
    const before = await readLedger(join(dir, OUT));
    expect(before.jobs.find((j) => j.id === jobId)).toMatchObject({ status: 'submitting', video_id: null });

    // The user runs the printed command (the built CLI), then the same run again.
    const adopt = await runCli(['adopt', outDir!, jobId!, videoId], { cwd: dir, inheritEnv: false });
    expect(adopt.code, adopt.stderr).toBe(0);
    const rerun = await run(file);
    expect(rerun.code, rerun.stderr.slice(-2000)).toBe(0);
    const s = sim.stats();
    expect(s.submits.accepted).toBe(2); // the other job; the adopted one was not paid again
    expect(s.submits.duplicate_bodies).toBe(0);
    const after = await readLedger(join(dir, OUT));
    expect(after.jobs.find((j) => j.id === jobId)).toMatchObject({ status: 'succeeded', video_id: videoId });
  }, 60_000);

  it('records the answer after all when the disk has room again on a retry (no line, nothing lost)', async () => {
    sim = await startSimulator({ timeScale: 0.003 });
    const file = await writeManifest(dir, ['only job']);
    const r = await run(file, { PAIWO_DISK_FULL_AT: '2:1' });
    expect(r.stderr).not.toContain('PAID BUT NOT RECORDED');
    const ledger = await readLedger(join(dir, OUT));
    expect(ledger.jobs[0]!.video_id).toBe(sim.stats().videos[0]!.id);
    expect(sim.stats().submits.accepted).toBe(1);
    expect(r.code).not.toBe(7);
  }, 60_000);
});

describe('adopt', () => {
  it('refuses other statuses, ids that are not digits, and unknown jobs (exit 2)', async () => {
    sim = await startSimulator({ timeScale: 0.003, faults: '504-after-charge@first=1' });
    const file = await writeManifest(dir, ['held', 'fine']);
    expect((await run(file, {}, ['--concurrency', '1'])).code).toBe(6);
    const out = join(dir, OUT);
    const ledger = await readLedger(out);
    const held = ledger.jobs.find((j) => j.status === 'unknown')!;
    const done = ledger.jobs.find((j) => j.status === 'succeeded')!;
    const refused = async (job: string, video: string, code: string) => {
      const e = await adoptCommand(out, job, video, bufferedIO()).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).code).toBe(code);
      expect((e as UserError).exitCode).toBe(2);
    };
    await refused(done.id, '12345', 'JOB_NOT_ADOPTABLE');
    await refused(held.id, '12a45', 'VIDEO_ID_INVALID');
    await refused('nope', '12345', 'JOB_NOT_FOUND');
    await refused(held.id, done.video_id!, 'VIDEO_ID_TAKEN');
    // The video the service made for the held job is the one the ledger does not know.
    const paid = sim.stats().videos.map((v) => v.id).find((id) => id !== done.video_id)!;
    const ok = bufferedIO();
    expect(await adoptCommand(out, held.id, paid, ok)).toBe(0);
    expect(ok.out()).toContain(`job ${held.id} now has video ${paid}`);
    expect((await readLedger(out)).jobs.find((j) => j.id === held.id)).toMatchObject({ status: 'submitted', video_id: paid, error: null });
    const rerun = await run(file);
    expect(rerun.code).toBe(0);
    expect(sim.stats().submits.accepted).toBe(2);
  }, 60_000);
});
