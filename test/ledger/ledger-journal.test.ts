import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { LedgerJournal } from '../../src/ledger/journal.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

const set = (s: number, status: string) => ({ s, t: 'set' as const, id: 'a', p: { status: status as 'pending' } });

describe('journal events written while a snapshot holds appends (issue 10, finding 7)', () => {
  it('are acknowledged only once their line is in the file, durable or not', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await LedgerJournal.open(path);
    const acked: { s: number; inFile: boolean }[] = [];
    // On acknowledgement, the line must already be in the file: that is what a caller relies on.
    const watch = (s: number, p: Promise<void>) => p.then(() => acked.push({ s, inFile: readFileSync(path, 'utf8').includes(`"s":${s},`) }));
    let during: Promise<unknown>[] = [];
    await journal.exclusive(async () => {
      // A snapshot is being written: these lines are held in memory.
      during = [watch(1, journal.append(set(1, 'pending'), false)), watch(2, journal.append(set(2, 'submitting'), true))];
      for (let i = 0; i < 5; i++) await tick();
      // Not acknowledged while held: a kill now would lose them (the old code acknowledged #1 here).
      expect(acked).toEqual([]);
      expect(readFileSync(path, 'utf8')).toBe('');
    });
    await Promise.all(during);
    expect(acked.sort((a, b) => a.s - b.s)).toEqual([
      { s: 1, inFile: true },
      { s: 2, inFile: true },
    ]);
    await journal.close();
  });
});
