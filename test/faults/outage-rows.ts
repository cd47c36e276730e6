import { expect } from 'vitest';
import { statusCounts } from './fault-run.js';
import type { FaultRow } from './fault-table.js';

const prompts = (n: number) => Array.from({ length: n }, (_, i) => `a harbour at night, take ${i + 1}`);

/** Outages and systematic failures (issue 21): the rows of the fault table for `outage` and `fail-every-job`. */
export const OUTAGE_ROWS: readonly FaultRow[] = [
  {
    fault: 'gateway outage on fetches (1.5 s of HTML 502)',
    spec: 'outage/fetch@after=3&for=1500ms',
    prompts: prompts(3),
    run: { concurrency: 3 },
    args: ['--retries', '1'],
    statuses: { succeeded: 3 },
    exit: 0,
    does: 'a run of failed fetches opens an outage: no new submit, pollers wait instead of using up their retries, free probes (`paiwo-get` of an impossible id) until the gateway answers its JSON again; then polling goes on',
    check: (o) => expect(o.summary.outages.map((x) => x.ended)).toContain('recovered'),
  },
  {
    fault: 'gateway outage on every call, past outage_wait',
    spec: 'outage@after=1',
    prompts: prompts(6),
    run: { concurrency: 1 },
    args: ['--outage-wait', '30'],
    exit: 6,
    does: 'submits stop at the first unknown one (at most the concurrency on the wire become `unknown`); past `outage_wait` the run ends with exit 6, the jobs never sent stay `pending` (a rerun sends them), paid ones stay `submitted`',
    check: (o) => {
      const counts = statusCounts(o.ledger.jobs);
      expect(counts.unknown ?? 0).toBeLessThanOrEqual(1);
      expect(counts.pending).toBeGreaterThanOrEqual(4);
      expect(o.stats.outage_requests.submit).toBeLessThanOrEqual(1);
      expect(o.summary.stopped).toContain('outage');
    },
  },
  {
    fault: 'a service that fails every job (status 8, charged)',
    spec: 'fail-every-job',
    prompts: prompts(12),
    run: { concurrency: 2, failure_breaker: { min_finished: 4, window: 8, rate: 0.8 } },
    exit: 5,
    does: 'the failure-rate breaker (`run.failure_breaker`: at least 10 finished and 80 % of the last 20 by default) stops submitting; exit 5 names the failures\' common error; the jobs never sent stay `pending`',
    check: (o) => {
      expect(o.stats.submits.accepted).toBeLessThanOrEqual(6);
      expect(o.summary.breaker?.common_error?.code).toBe('STATUS_8');
      expect(statusCounts(o.ledger.jobs).pending).toBe(12 - o.stats.submits.accepted);
    },
  },
];
