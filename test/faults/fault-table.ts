import { expect } from 'vitest';
import type { SimulatorOptions } from '../../src/simulator/start-simulator.js';
import { describe, it } from 'vitest';
import { expectSafeEnd, KEY, manifestOf, runAgainstSimulator, statusCounts, THREE, type PromptEntry, type RunOutcome } from './fault-run.js';

/**
 * One row per fault of the contract: what the simulator does, what the runner must end with, and what the README
 * table says. Every row also gets the invariants of expectSafeEnd (charges, hashes, no temp files, nothing outside
 * out/), a bounded run (a hang fails the row), and the exact number of firings where a fault is fatal (a fatal
 * error retried would fire again).
 */
export interface FaultRow {
  /** The fault, as the README table names it. */
  readonly fault: string;
  /** The simulator's fault spec (src/simulator/fault-spec.ts). */
  readonly spec: string;
  readonly sim?: SimulatorOptions;
  /** @default THREE (3 jobs) */
  readonly prompts?: readonly PromptEntry[];
  /** The manifest's run: block. @default { concurrency: 2 } */
  readonly run?: Record<string, unknown>;
  readonly args?: readonly string[];
  /**
   * Job statuses at the end of the run (a multiset), or the multisets allowed when timing decides (a download
   * cut short by an account-wide stop leaves its paid job `submitted` for the next run).
   */
  readonly statuses?: Record<string, number> | readonly Record<string, number>[];
  readonly exit: number;
  /** Submits the simulator accepted (= charged) in all. @default one per job */
  readonly accepted?: number;
  /** Exact firings of a fault (fatal faults: never retried). */
  readonly firings?: Record<string, number>;
  /** What the tool does, for the README table. */
  readonly does: string;
  /** A known bug (see the message): the row is expected to fail until it is fixed. */
  readonly knownBug?: string;
  /** Extra checks for this row. */
  readonly check?: (o: RunOutcome) => void | Promise<void>;
}

const all = (n: number, status = 'succeeded') => ({ [status]: n });
/** The first job was paid before the stop; whether its download finished before everything stopped is timing. */
const STOPPED_AFTER_ONE: readonly Record<string, number>[] = [
  { succeeded: 1, pending: 2 },
  { submitted: 1, pending: 2 },
];
/** A 10 s deadline is the floor of one HTTP call whatever the time-scale (run-batch.ts), so stalls cost 10 s. */
const STALL_NOTE = 'the call times out (60 s, at least 10 s when rehearsing)';

export const SUBMIT_ROWS: readonly FaultRow[] = [
  {
    fault: '429 with Retry-After',
    spec: '429:0.5@max=6',
    statuses: all(3),
    exit: 0,
    does: 'waits Retry-After (or its own backoff if longer), lowers the concurrency for a while, retries without using up `retries`',
    check: (o) => expect(o.stats.faults['429']).toBeGreaterThan(0),
  },
  {
    fault: '429 without Retry-After',
    spec: '429-no-retry-after:0.5@max=6',
    statuses: all(3),
    exit: 0,
    does: 'exponential backoff with jitter, lowers the concurrency for a while, retries',
    check: (o) => expect(o.stats.faults['429-no-retry-after']).toBeGreaterThan(0),
  },
  {
    fault: '500044 concurrent limit',
    spec: '500044@max=4',
    statuses: all(3),
    exit: 0,
    does: 'backs off, lowers its own concurrency for a while, retries (nothing was created)',
    firings: { '500044': 4 },
  },
  {
    fault: '500069 high load',
    spec: '500069@max=3',
    statuses: all(3),
    exit: 0,
    does: 'backs off and retries, at most `retries` times per call',
    firings: { '500069': 3 },
  },
  {
    fault: '99999 unknown error',
    spec: '99999@max=2',
    statuses: all(3),
    exit: 0,
    does: 'backs off and retries, at most `retries` times per call',
    firings: { '99999': 2 },
  },
  {
    fault: 'HTML 500 on a submit',
    spec: 'html-500/submit@first=1',
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 2,
    does: 'the job becomes `unknown` and is held: a 500 does not prove the submit was refused (it may come after the charge), so it is never paid again on a guess',
    firings: { 'html-500': 1 },
  },
  {
    fault: 'HTML 500 on a fetch',
    spec: 'html-500/fetch@max=3',
    statuses: all(3),
    exit: 0,
    does: 'retried (a fetch never charges)',
    firings: { 'html-500': 3 },
  },
  {
    fault: '500 after charging',
    spec: '500-after-charge@first=1',
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 3,
    does: 'the job becomes `unknown` and is held (the account paid for it): settle it with `paiwo-batch adopt` or `--resubmit-unknown`; never paid twice on its own',
    firings: { '500-after-charge': 1 },
    check: async (o) => {
      const rerun = await o.again();
      expect(rerun.code).toBe(6);
      expect(rerun.stats.submits.accepted).toBe(3);
      expect(rerun.stats.submits.duplicate_bodies).toBe(0);
    },
  },
  {
    fault: 'HTML 502 on a submit',
    spec: 'html-502/submit@first=1',
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 2,
    does: 'the job becomes `unknown` (the upstream may have taken it); never resubmitted without `--resubmit-unknown`',
    firings: { 'html-502': 1 },
  },
  {
    fault: 'HTML 502 on a fetch',
    spec: 'html-502/fetch:0.5@max=4',
    statuses: all(3),
    exit: 0,
    does: 'retried (a fetch never charges)',
  },
  {
    fault: '504 after charging',
    spec: '504-after-charge@first=1',
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 3,
    does: 'the job becomes `unknown` and is held: reported with what to do, resubmitted only with `--resubmit-unknown`',
    firings: { '504-after-charge': 1 },
    check: async (o) => {
      // Held across runs: a plain rerun sends nothing new; the user's explicit choice resubmits exactly that job.
      const rerun = await o.again();
      expect(rerun.code).toBe(6);
      expect(rerun.stats.submits.accepted).toBe(3);
      const resubmit = await o.again(['--resubmit-unknown']);
      expect(resubmit.code).toBe(0);
      expect(resubmit.stats.submits.accepted).toBe(4);
      expect(resubmit.stats.submits.duplicate_bodies).toBe(1);
    },
  },
  {
    fault: 'connection reset before the request is read (submit)',
    spec: 'reset-before/submit@first=1',
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 2,
    does: 'the body had left, so the runner cannot know it was not taken: `unknown`, held (money first)',
  },
  {
    fault: 'connection reset after the submit is taken',
    spec: 'reset-after/submit@first=1',
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 3,
    does: '`unknown`, held; never resubmitted on its own',
    firings: { 'reset-after': 1 },
  },
  {
    fault: 'connection resets on fetches',
    spec: 'reset-before/fetch:0.3@max=4,reset-after/fetch:0.3@max=4',
    statuses: all(3),
    exit: 0,
    does: 'retried (a fetch never charges)',
  },
  {
    fault: 'stalled submit (no answer)',
    spec: 'stall/submit@first=1',
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 3,
    does: `${STALL_NOTE}; \`unknown\`, held`,
  },
];

export const POLL_ROWS: readonly FaultRow[] = [
  {
    fault: 'stalled fetch',
    spec: 'stall/fetch@first=1',
    statuses: all(3),
    exit: 0,
    does: `${STALL_NOTE}, then retried`,
  },
  {
    fault: 'stalled download (half the body, then nothing)',
    spec: 'stall/media@first=1',
    statuses: all(3),
    exit: 0,
    does: 'the idle timeout (60 s, at least 10 s when rehearsing) ends it; the download resumes from the `.part` with Range',
  },
  {
    fault: 'truncated download',
    spec: 'truncate-media:0.5@max=4',
    statuses: all(3),
    exit: 0,
    does: 'resumed from the `.part` with Range, checked (size, MP4 signature, sha256) before the rename',
  },
  {
    fault: 'every download truncated',
    spec: 'truncate-media',
    args: ['--retries', '1'],
    statuses: all(3, 'submitted'),
    exit: 6,
    does: 'after its retries the job stays `submitted` (paid for) with the error; no `.part` left; the next run downloads it',
    check: (o) => expect(o.ledger.jobs.every((j) => j.video_id !== null && String(j.error?.code).startsWith('DOWNLOAD'))).toBe(true),
  },
  {
    fault: 'expired media URL (403)',
    spec: 'expire-media@max=2',
    sim: { mediaTtlMs: 1 },
    statuses: all(3),
    exit: 0,
    does: 'fetches the video again for a fresh URL, then downloads',
    firings: { 'expire-media': 2 },
  },
  {
    fault: 'unknown statuses (2, 3, 9)',
    spec: 'unknown-status@first=4',
    statuses: all(3),
    exit: 0,
    does: 'logged, and polling goes on',
    firings: { 'unknown-status': 4 },
  },
  {
    fault: 'unknown status until the job timeout',
    spec: 'unknown-status',
    args: ['--job-timeout', '60'],
    statuses: all(3, 'submitted'),
    exit: 6,
    does: 'polling stops at `job_timeout`; the job stays `submitted` (not failed) for the next run to poll',
  },
  {
    fault: 'status 7 (moderated)',
    spec: '',
    prompts: ['a forbidden thing', 'a dog in the rain', 'a fox in the snow'],
    statuses: { moderated: 1, succeeded: 2 },
    exit: 5,
    does: '`moderated`, the refund recorded; never resubmitted (change the prompt)',
    check: async (o) => {
      const m = o.ledger.jobs.find((j) => j.status === 'moderated')!;
      expect(m.credits_refunded).toBe(m.credits);
      expect(o.stats.credits.refunded).toBe(m.credits);
      const rerun = await o.again(['--retry-failed']);
      expect(rerun.stats.submits.accepted).toBe(3);
    },
  },
  {
    fault: 'status 8 (generation failed)',
    spec: 'fail-generation@first=1',
    statuses: { failed: 1, succeeded: 2 },
    exit: 5,
    does: '`failed`; not resubmitted unless `--retry-failed` (which pays again)',
    check: async (o) => {
      const rerun = await o.again();
      expect(rerun.code).toBe(5);
      expect(rerun.stats.submits.accepted).toBe(3);
      const retry = await o.again(['--retry-failed']);
      expect(retry.code).toBe(0);
      expect(retry.stats.submits.accepted).toBe(4);
    },
  },
  {
    fault: 'slow generation (5 × the time)',
    spec: 'slow-generation@first=1',
    statuses: all(3),
    exit: 0,
    does: 'polled at the growing interval until done',
  },
  {
    fault: 'stuck generation',
    spec: 'stuck-generation@first=1',
    args: ['--job-timeout', '120'],
    statuses: { submitted: 1, succeeded: 2 },
    exit: 6,
    does: 'polling stops at `job_timeout`; `submitted`, resumable',
  },
  {
    fault: 'video ids above 2^53',
    spec: '',
    sim: { bigIds: true },
    statuses: all(3),
    exit: 0,
    does: 'ids kept as the exact decimal text (lossless JSON) in the ledger, fetches and the report',
    check: (o) => {
      const ids = o.stats.videos.map((v) => v.id).sort();
      expect(o.ledger.jobs.map((j) => j.video_id).sort()).toEqual(ids);
      for (const id of ids) expect(BigInt(id) > 2n ** 53n).toBe(true);
    },
  },
];

export const ACCOUNT_ROWS: readonly FaultRow[] = [
  {
    fault: '401 mid-run (submits)',
    spec: '401/submit@after=1',
    run: { concurrency: 1 },
    statuses: STOPPED_AFTER_ONE,
    exit: 3,
    accepted: 1,
    firings: { '401': 1 },
    does: 'stops the whole run at once (exit 3): no other submit, not retried; what was paid is kept',
  },
  {
    fault: '401 mid-run (every call)',
    spec: '401@after=2',
    prompts: [...THREE, 'a bird at dawn'],
    exit: 3,
    does: 'stops everything: no new submit, polls and downloads aborted; paid jobs stay `submitted` for the next run',
    check: (o) => {
      // At most one refused call per job in flight: none retried.
      for (const j of o.ledger.jobs) expect(['succeeded', 'submitted', 'pending']).toContain(j.status);
      expect(o.stats.faults['401']).toBeLessThanOrEqual(2);
      expect(o.stats.submits.accepted).toBeLessThanOrEqual(2);
    },
  },
  {
    fault: '403 key refused',
    spec: '403/submit@after=1',
    run: { concurrency: 1 },
    statuses: STOPPED_AFTER_ONE,
    exit: 3,
    accepted: 1,
    firings: { '403': 1 },
    does: 'like 401: exit 3, nothing retried',
  },
  {
    fault: '503 model_not_found',
    spec: '503-model-not-found/submit@after=1',
    run: { concurrency: 1 },
    statuses: STOPPED_AFTER_ONE,
    exit: 3,
    accepted: 1,
    firings: { '503-model-not-found': 1 },
    does: 'like 401: exit 3, nothing retried',
  },
  {
    fault: '500090 mid-run',
    spec: '500090@after=1',
    run: { concurrency: 1 },
    // The refused job is `skipped`; the next one was never tried and stays `pending`.
    statuses: { succeeded: 1, skipped: 1, pending: 1 },
    exit: 4,
    accepted: 1,
    firings: { '500090': 1 },
    does: 'no further submit (exit 4); jobs already paid are still polled and downloaded; the refused job `skipped` (ERR_500090), the others stay `pending` for the next run',
  },
  {
    fault: 'balance runs out (500090), a cheaper job would still fit',
    spec: '',
    sim: { balance: 120 },
    // 80 + 80 + 35: after the second is refused, 40 credits are left, enough for the third.
    prompts: [
      { text: 'an expensive cat', quality: '540p', generate_audio_switch: true },
      { text: 'an expensive dog', quality: '540p', generate_audio_switch: true },
      'a cheap fox',
    ],
    run: { concurrency: 1 },
    statuses: { succeeded: 1, skipped: 1, pending: 1 },
    exit: 4,
    accepted: 1,
    does: 'the same: an account-wide stop, not a per-job refusal, so no credit is spent after it',
    check: (o) => {
      expect(o.stats.credits.charged).toBe(80);
      expect(o.stats.submits.rejected).toBe(1);
    },
  },
];

/** Runs each row against its own simulator, the rows of a file side by side. */
export function testFaultRows(title: string, rows: readonly FaultRow[]): void {
  describe.concurrent(title, () => {
    for (const row of rows) {
      (row.knownBug ? it.fails : it)(`${row.fault} [${row.spec || 'no fault'}] → exit ${row.exit}${row.knownBug ? ` (KNOWN BUG: ${row.knownBug})` : ''}`, async () => {
        const prompts = row.prompts ?? THREE;
        const o = await runAgainstSimulator({ sim: { ...row.sim, faults: row.spec }, manifest: manifestOf(prompts, row.run), ...(row.args && { args: row.args }) });
        try {
          expect(o.code, o.stderr.slice(-2000)).toBe(row.exit);
          expect(o.summary.exit_code).toBe(row.exit);
          if (row.statuses) expect(Array.isArray(row.statuses) ? row.statuses : [row.statuses]).toContainEqual(statusCounts(o.ledger.jobs));
          expect(o.ledger.jobs).toHaveLength(prompts.length);
          if (row.statuses || row.accepted !== undefined) expect(o.stats.submits.accepted).toBe(row.accepted ?? prompts.length);
          for (const [name, n] of Object.entries(row.firings ?? {})) expect(o.stats.faults[name] ?? 0, `${name} firings`).toBe(n);
          await expectSafeEnd(o);
          await row.check?.(o);
        } finally {
          await o.close();
        }
      }, 120_000);
    }
  });
}

export const HOSTILE_ROWS: readonly FaultRow[] = [
  {
    fault: 'fetch result with a non-http(s) url (file:///etc/passwd)',
    spec: 'bad-url',
    statuses: all(3, 'submitted'),
    exit: 6,
    does: 'the client refuses the answer (`BAD_RESPONSE`: done, but no http(s) url) before any download; fetched again a bounded number of times, then the paid job stays `submitted`',
    check: (o) => expect(o.ledger.jobs.map((j) => j.error?.code)).toEqual(['BAD_RESPONSE', 'BAD_RESPONSE', 'BAD_RESPONSE']),
  },
  {
    fault: 'redirect to file:///etc/passwd',
    spec: 'redirect-scheme',
    statuses: all(3, 'submitted'),
    exit: 6,
    does: 'the redirect is not followed (`DOWNLOAD_BAD_SCHEME`); the job stays `submitted`',
    check: (o) => expect(o.ledger.jobs.map((j) => j.error?.code)).toEqual(['DOWNLOAD_BAD_SCHEME', 'DOWNLOAD_BAD_SCHEME', 'DOWNLOAD_BAD_SCHEME']),
  },
  {
    fault: 'media far larger than the video can be (256 MiB)',
    spec: 'oversize-media@max=1',
    statuses: { submitted: 1, succeeded: 2 },
    exit: 6,
    does: 'refused at the size cap of its quality and duration (`DOWNLOAD_TOO_LARGE`, from Content-Length or while streaming); `submitted`, nothing kept',
    check: async (o) => {
      expect(o.ledger.jobs.filter((j) => j.status === 'submitted').map((j) => j.error?.code)).toEqual(['DOWNLOAD_TOO_LARGE']);
      const rerun = await o.again();
      expect(rerun.code).toBe(0);
      expect(rerun.stats.submits.accepted).toBe(3);
    },
  },
  {
    fault: 'a 100 MB JSON body on a fetch, once',
    spec: 'huge-json@first=1',
    statuses: all(3),
    exit: 0,
    does: 'cut off at 1 MiB (the client never buffers more), then the fetch is retried',
    firings: { 'huge-json': 1 },
  },
  {
    fault: 'a 100 MB JSON body on every fetch',
    spec: 'huge-json',
    args: ['--retries', '1'],
    statuses: all(3, 'submitted'),
    exit: 6,
    does: 'after its retries the job stays `submitted` (paid) for the next run',
  },
  {
    fault: 'a Content-Length that lies, once',
    spec: 'lying-length@max=1',
    statuses: all(3),
    exit: 0,
    does: 'seen as a truncated body: resumed or downloaded again, checked before the rename',
    firings: { 'lying-length': 1 },
  },
  // A hostile world (issue 11).
  {
    fault: 'a media server trickling one byte a second (never idle long enough for the idle timeout)',
    spec: 'slow-media@max=1',
    statuses: all(3),
    exit: 0,
    does: 'cut at the minimum throughput (`DOWNLOAD_SLOW`: the idle timeout, then 32 KiB/s on average), then resumed from the `.part` with Range; the run always ends',
    firings: { 'slow-media': 1 },
  },
  {
    fault: 'media URL whose %2F-encoded path answers 404',
    spec: 'encoded-url',
    statuses: all(3),
    exit: 0,
    does: 'tried once with `%2F` decoded to `/` (contract B.9) before fetching a fresh URL; downloaded',
    check: (o) => expect(o.stats.faults['encoded-url']).toBeGreaterThanOrEqual(3),
  },
  {
    fault: 'status 1 without a url or outputWidth',
    spec: 'done-no-url@first=4',
    statuses: all(3),
    exit: 0,
    does: 'not done yet (contract B.9: done = status 1, a url and outputWidth > 0): polled again, no error',
    firings: { 'done-no-url': 4 },
    check: (o) => expect(o.ledger.jobs.every((j) => j.error === null)).toBe(true),
  },
  {
    fault: 'the key put in the media URL by the gateway, downloads failing',
    spec: 'key-in-url,html-502/media',
    args: ['--retries', '0'],
    statuses: all(3, 'submitted'),
    exit: 6,
    does: 'the URL in every message, log and ledger error is redacted (path, query, any encoding of the key); the paid jobs stay `submitted`',
    check: (o) => {
      const text = `${o.stdout}${o.stderr}${JSON.stringify(o.ledger)}`;
      expect(text).toContain('/media/echo/');
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(encodeURIComponent(KEY));
    },
  },
  {
    fault: 'a Content-Length that always lies',
    spec: 'lying-length',
    args: ['--retries', '1'],
    statuses: all(3, 'submitted'),
    exit: 6,
    does: 'never renamed into place; `submitted` with the error, no `.part` left',
  },
];

/** Money against a gateway whose charges are not the table's (issue 10): the budget holds, the ledger brackets the account. */
export const MONEY_ROWS: readonly FaultRow[] = [
  {
    fault: 'overcharge (2 × the table) with a budget',
    spec: 'overcharge',
    prompts: [...THREE, 'a bird at dawn'],
    run: { concurrency: 4 },
    args: ['--max-credits', '140'],
    // The first submit goes alone and is charged 70 for an estimate of 35: the others are held at 70 each.
    statuses: { succeeded: 2, skipped: 2 },
    exit: 4,
    accepted: 2,
    does: 'the first submit of a price class goes alone; holds are calibrated from what it really cost (charge ÷ estimate), so the budget is not passed',
    check: (o) => {
      expect(o.stats.credits.charged).toBeLessThanOrEqual(140);
      expect(o.ledger.totals.credits_spent).toBe(o.stats.credits.charged);
    },
  },
  {
    fault: 'zero charge reported for a priced job',
    spec: 'zero-charge',
    args: ['--max-credits', '70'],
    statuses: { succeeded: 2, skipped: 1 },
    exit: 4,
    accepted: 2,
    does: 'the ledger records the 0 the service said; the budget counts the estimate, and `credits_unknown` brackets the real charge',
    check: (o) => {
      expect(o.stats.credits.charged).toBe(70);
      expect(o.ledger.jobs.filter((j) => j.status === 'succeeded').map((j) => j.credits)).toEqual([0, 0]);
      expect(o.ledger.totals).toMatchObject({ credits_spent: 0, credits_unknown: 70 });
    },
  },
  {
    fault: 'refund above its charge (status 7)',
    spec: 'refund-above-charge@first=1',
    prompts: [...THREE, 'a bird at dawn'],
    run: { concurrency: 1 },
    args: ['--max-credits', '70'],
    // 35 charged and refunded (1,000,000 reported: counted as 35), then 35 + 35; the fourth does not fit.
    statuses: { moderated: 1, succeeded: 2, skipped: 1 },
    exit: 4,
    accepted: 3,
    does: 'a refund counts at most its charge (the larger figure is logged): the budget and `credits_refunded` never count it',
    check: (o) => {
      expect(o.ledger.totals.credits_refunded).toBe(35);
      expect(o.stats.credits.charged - o.stats.credits.refunded).toBeLessThanOrEqual(70);
    },
  },
  {
    fault: '--resubmit-unknown after a charged unknown',
    spec: '504-after-charge@first=1',
    args: ['--max-credits', '140'],
    statuses: { unknown: 1, succeeded: 2 },
    exit: 6,
    accepted: 3,
    does: 'the earlier attempt stays in the job\'s attempt history: `credits_unknown` and the budget keep counting it after the resubmit',
    check: async (o) => {
      // 70 spent + 35 that may have been: a resubmit (35 more) does not fit 105.
      const tight = await o.again(['--resubmit-unknown', '--max-credits', '105']);
      expect(tight.code).toBe(4);
      expect(tight.stats.submits.accepted).toBe(3);
      // Not resubmitted by a plain rerun either: its last attempt may have been charged.
      expect((await tight.again(['--max-credits', '1000'])).stats.submits.accepted).toBe(3);
      const resubmit = await o.again(['--resubmit-unknown', '--max-credits', '140']);
      expect(resubmit.code).toBe(0);
      expect(resubmit.stats.submits.accepted).toBe(4);
      expect(resubmit.ledger.totals).toMatchObject({ credits_spent: 105, credits_unknown: 35 });
      const job = resubmit.ledger.jobs.find((j) => (j.submits ?? []).length === 2)!;
      expect(job.submits!.map((a) => a.outcome)).toEqual(['unknown', 'accepted']);
      expect(job.submits![1]!.request_id).toEqual(expect.any(String));
    },
  },
];
