import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli, runCliOk } from '../../bench/lib/cli-process.mjs';
import { statusCommand } from '../../src/commands/status.js';
import type { LedgerStatus } from '../../src/report/status.js';
import { openLedger, writeLedger } from '../../src/ledger/store.js';
import { LOCK_FILE } from '../../src/ledger/output-lock.js';
import { demoLedger, makeLedgerJob, makeLedger } from '../fixtures/ledgers/make-ledger.js';
import { bufferedIO, exitCodeOf } from '../helpers/buffered-io.js';
import { it } from '../helpers/temp-dir.js';


let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

/** One job in every state a user must act on, plus successes. */
function mixedLedger() {
  const base = demoLedger().jobs.slice(0, 2);
  return makeLedger([
    ...base,
    makeLedgerJob({ id: 'unk', status: 'unknown', attempts: 1, submitted_at: '2026-11-24T08:00:05.000Z', error: { code: 'HTTP_504', message: 'gateway timeout after sending' } }),
    makeLedgerJob({ id: 'sub', status: 'submitted', video_id: '9007199254740993', credits: 80 }),
    makeLedgerJob({ id: 'skip', status: 'skipped', estimated_credits: 115, budget: { max_credits: 500, share: 500 }, error: { code: 'BUDGET', message: 'would exceed max_credits 500' } }),
    makeLedgerJob({ id: 'skip2', status: 'skipped', estimated_credits: 80, budget: { max_credits: 500, share: 500 }, error: { code: 'BUDGET', message: 'would exceed max_credits 500' } }),
    makeLedgerJob({ id: 'pend', status: 'pending' }),
    makeLedgerJob({ id: 'bad', status: 'failed', video_id: '385043936817999', credits: 80, error: { code: 8, message: 'generation failed\n\u001b[31mred\u001b[0m' } }),
    makeLedgerJob({ id: 'mod', status: 'moderated', video_id: '385043936817998', credits: 80, credits_refunded: 80, error: { code: 7, message: 'rejected by content moderation' } }),
  ]);
}

describe('status', () => {
  it('prints counts, credits and what to do about every unresolved or failed job', async () => {
    await writeLedger(dir, mixedLedger());
    const io = bufferedIO();
    // Budget-skipped jobs: a rerun would end with 4, the first of 4, 6, 5 that applies.
    expect(await exitCodeOf(statusCommand(dir, {}, io))).toBe(4);
    const text = io.out();
    expect(text).toContain('9 jobs (1 pending, 1 submitted, 2 succeeded, 1 failed, 1 moderated, 1 unknown, 2 skipped)');
    expect(text).toContain('credits: 400 spent, 80 refunded, 320 net');
    // Unresolved jobs are grouped by what to do about them; a small group still lists each job with its own sentence.
    expect(text).toMatch(/\n {2}1 unknown outcome \(may have been charged\) — .*adopt.*--resubmit-unknown.*:\n {4}unk .*\n {6}.*check your DMXAPI console for a video submitted around 2026-11-24T08:00:05.000Z; rerun with --resubmit-unknown to pay again/);
    expect(text).toMatch(/\n {2}1 paid, not downloaded yet — .*:\n {4}sub .*\n {6}.*video 9007199254740993.*rerun the same command to keep polling/);
    expect(text).toMatch(/\n {2}2 skipped by the budget — .*:\n {4}skip .*\n {6}.*raise max_credits \(or --max-credits\) by 115/);
    expect(text).toContain('budget: raise max_credits by 95 credits');
    expect(text).toMatch(/\n {2}1 not submitted — rerun the same command:\n {4}pend  pend\.mp4\n/);
    expect(text).toMatch(/bad +failed .*video 385043936817999\n +error 8: generation failed \[31mred \[0m\n.*--retry-failed/);
    expect(text).toMatch(/mod +moderated .*\n.*error 7: rejected by content moderation\n.*change the prompt/);
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('in progress');
  });

  it('--json gives the same facts to machines', async () => {
    await writeLedger(dir, mixedLedger());
    const io = bufferedIO();
    await exitCodeOf(statusCommand(dir, { json: true }, io));
    const status = JSON.parse(io.out()) as LedgerStatus;
    expect(status.jobs).toBe(9);
    expect(status.by_status.unknown).toBe(1);
    expect(status.credits_spent).toBe(400);
    expect(status.credits_refunded).toBe(80);
    // 400 spent − 80 refunded + 80 that may have been (the unknown job) + 195 skipped − 500.
    expect(status.budget_shortfall).toBe(95);
    expect(status.credits_unknown).toBe(80);
    expect(status.max_credits).toBe(500);
    expect(status.unresolved.map((e) => [e.id, e.status])).toEqual([['unk', 'unknown'], ['sub', 'submitted'], ['skip', 'skipped'], ['skip2', 'skipped'], ['pend', 'pending']]);
    expect(status.unresolved.find((e) => e.id === 'sub')?.video_id).toBe('9007199254740993');
    expect(status.failed.map((e) => e.id)).toEqual(['bad', 'mod']);
    expect(status.running).toBeNull();
  });

  it('sees the journal of a run that crashed before its snapshot, and says what a mid-submit crash means', async () => {
    const store = await openLedger(dir);
    await store.put(makeLedgerJob({ id: 'a', status: 'pending' }));
    await store.put(makeLedgerJob({ id: 'b', status: 'pending' }));
    await store.snapshot();
    await store.update('a', { status: 'submitting', attempts: 1, submitted_at: '2026-11-24T09:00:00.000Z' });
    await store.flush();

    const live = bufferedIO();
    await exitCodeOf(statusCommand(dir, {}, live));
    expect(live.out()).toContain(`a run is in progress: pid ${process.pid}`);
    expect(live.out()).toMatch(/\n {2}1 being submitted — by the run in progress:\n {4}a  a\.mp4\n/);

    // The runner "dies": its lock now names a pid that no longer exists, so it is stale, not a live run.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 - 3, hostname: (await import('node:os')).hostname(), started_at: new Date().toISOString() }));
    const after = bufferedIO();
    await exitCodeOf(statusCommand(dir, { json: true }, after));
    const status = JSON.parse(after.out()) as LedgerStatus;
    expect(status.running).toBeNull();
    expect(status.by_status.submitting).toBe(1);
    expect(status.unresolved.find((e) => e.id === 'a')?.what_to_do).toContain('may have been charged: the next run holds it as unknown');
    await store.close().catch(() => undefined);
  });

  it('exits with what a rerun would end with, by run\'s rule and order (4, 6, 5), --json included', async () => {
    const cases: [Parameters<typeof demoLedger>[0], number][] = [
      [{}, 0],
      [{ 1: 'failed' }, 5],
      [{ 1: 'moderated' }, 5],
      [{ 1: 'failed', 2: 'unknown' }, 6],
      [{ 1: 'failed', 2: 'submitted' }, 6],
      [{ 3: 'pending' }, 6],
      [{ 1: 'failed', 2: 'unknown', 3: 'skipped' }, 4],
    ];
    for (const [statuses, code] of cases) {
      await writeLedger(dir, demoLedger(statuses));
      expect(await exitCodeOf(statusCommand(dir, {}, bufferedIO())), JSON.stringify(statuses)).toBe(code);
      expect(await exitCodeOf(statusCommand(dir, { json: true }, bufferedIO())), JSON.stringify(statuses)).toBe(code);
    }
  });

  it('the CLI prints the status and exits 5 with a failed job; a folder without a ledger exits 2 with a one-line message', async () => {
    await writeLedger(dir, demoLedger({ 1: 'failed' }));
    const ok = await runCli(['status', dir, '--json']);
    expect(ok?.code).toBe(5);
    expect(JSON.parse(ok!.stdout).by_status.failed).toBe(1);
    await writeLedger(dir, demoLedger());
    expect((await runCliOk(['status', dir])).stdout).toContain('every job succeeded.');
    const empty = join(dir, 'nothing-here');
    const failed = await runCli(['status', empty]);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/^paiwo-batch: no ledger\.json in .*nothing-here/);
    expect(failed?.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('status of a damaged ledger on a terminal', () => {
  it('shows every control character escaped: no ESC, OSC, BEL or C1 byte reaches the terminal, in text or --json', async () => {
    const osc = '\u001b]0;pwned window title\u0007';
    const ledger = makeLedger([
      makeLedgerJob({ id: `evil${osc}`, status: 'failed', file: `a\u001b[2Jb.mp4`, video_id: '1', credits: 5, error: { code: `X\u009b31m`, message: `boom ${osc}\r\u001b[1A` } }),
      makeLedgerJob({ id: 'unk', status: 'unknown', attempts: 1, submitted_at: `2026\u001b[31m`, error: { code: 'HTTP_504', message: '\u202eevil' } }),
    ]);
    await writeLedger(dir, ledger);
    for (const json of [false, true]) {
      const io = bufferedIO();
      expect(await exitCodeOf(statusCommand(dir, { json }, io))).toBe(6); // what a rerun would end with: an unknown job
      const text = io.out();
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(text).toContain(json ? 'evil\\u001b]0;pwned window title\\u0007' : 'evil\\x1b]0;pwned window title\\x07');
      if (json) expect((JSON.parse(text) as LedgerStatus).failed[0]!.error!.code).toBe('X\u009b31m'); // same values, escaped
    }
  });
});
