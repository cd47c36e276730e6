import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { favouritesOf, parsePicks, readPicks, writePicks } from '../../src/report/picks.js';
import { it } from '../helpers/temp-dir.js';

const at = (minute: number): string => `2026-12-05T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('picks.json names each take and keeps the order takes were marked in', () => {
  it('keeps file, prompt and seed beside the mark, and refuses them when they are not what they say', () => {
    const picks = parsePicks({ version: 1, updated_at: at(0), takes: { a: { mark: 'favourite', note: 'ok', marked_at: at(1), file: 'cat_16x9_seed1.mp4', prompt: 'A kitten', seed: 713039308 } } });
    expect(picks.takes.a).toEqual({ mark: 'favourite', note: 'ok', marked_at: at(1), file: 'cat_16x9_seed1.mp4', prompt: 'A kitten', seed: 713039308 });
    expect(() => parsePicks({ version: 1, updated_at: at(0), takes: { a: { mark: 'favourite', seed: 'x' } } })).toThrow(/seed must be a whole number/);
    expect(() => parsePicks({ version: 1, updated_at: at(0), takes: { a: { mark: 'favourite', marked_at: 'yesterday' } } })).toThrow(/marked_at is not an ISO date/);
    expect(() => parsePicks({ version: 1, updated_at: at(0), takes: { a: { mark: 'favourite', file: 7 } } })).toThrow(/file must be text/);
  });

  it('promote --picks reads favourites in the order they were marked, and the file is written in that order', async ({ tmp }) => {
    const takes = {
      zeta: { mark: 'favourite', note: '', marked_at: at(3) },
      alpha: { mark: 'favourite', note: '', marked_at: at(9) },
      mid: { mark: 'reject', note: '', marked_at: at(5) },
      beta: { mark: 'favourite', note: '', marked_at: at(1) },
    };
    const file = join(tmp, 'picks.json');
    await writeFile(file, JSON.stringify({ version: 1, updated_at: at(10), takes }));
    expect(await favouritesOf(file)).toEqual(['beta', 'zeta', 'alpha']);
    await writePicks(tmp, parsePicks(JSON.parse(JSON.stringify({ version: 1, updated_at: at(10), takes }))));
    expect(Object.keys((await readPicks(tmp))!.takes)).toEqual(['beta', 'zeta', 'mid', 'alpha']);
  });

  it('still reads an older file (ids, marks and notes only), in the file\'s order', async ({ tmp }) => {
    const file = join(tmp, 'old.json');
    await writeFile(file, JSON.stringify({ version: 1, updated_at: at(0), takes: { job7: { mark: 'favourite', note: '' }, job2: { mark: 'favourite', note: 'x' }, job5: { mark: 'reject', note: '' } } }));
    expect(await favouritesOf(file)).toEqual(['job7', 'job2']);
  });
});
