import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, parseFaultSpec } from '../../src/simulator/fault-spec.js';
import { ACCOUNT_ROWS, HOSTILE_ROWS, MONEY_ROWS, POLL_ROWS, SUBMIT_ROWS } from './fault-table.js';
import { OUTAGE_ROWS } from './outage-rows.js';

describe('the fault table', () => {
  it('covers every fault the simulator can inject', () => {
    const rows = [...SUBMIT_ROWS, ...POLL_ROWS, ...ACCOUNT_ROWS, ...HOSTILE_ROWS, ...MONEY_ROWS, ...OUTAGE_ROWS];
    const covered = new Set(rows.flatMap((r) => parseFaultSpec(r.spec).map((f) => f.name)));
    expect(FAULT_NAMES.filter((name) => !covered.has(name))).toEqual([]);
    // And the contract's cases that are not injected faults: moderation (status 7), a short balance, big ids.
    expect(rows.some((r) => r.statuses && !Array.isArray(r.statuses) && 'moderated' in r.statuses)).toBe(true);
    expect(rows.some((r) => r.sim?.balance !== undefined)).toBe(true);
    expect(rows.some((r) => r.sim?.bigIds)).toBe(true);
  });
});
