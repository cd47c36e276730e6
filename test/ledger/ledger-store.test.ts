import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { JOURNAL_FILE, LEDGER_FILE, openLedger, readLedger, writeLedger } from '../../src/ledger/store.js';
import { makePendingLedgerJob } from '../fixtures/ledgers/make-ledger.js';
import { it } from '../helpers/temp-dir.js';

let dir: string;
it.beforeEach(({ tmp }) => {
  dir = tmp;
});

const journalLines = async () => (await readFile(join(dir, JOURNAL_FILE), 'utf8')).split('\n').filter(Boolean);

describe('ledger store', () => {
  it('keeps every change in the journal until the snapshot folds it in, and ids as exact strings', async () => {
    const store = await openLedger(dir);
    await store.put(makePendingLedgerJob('a'));
    await store.put(makePendingLedgerJob('b'));
    await store.update('a', { status: 'submitting', attempts: 1 });
    await store.update('a', { status: 'submitted', video_id: '9007199254740993123', credits: 80 });
    // Not closed: what a crash would leave. The snapshot from open is empty; the journal has the 4 events.
    expect(JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8')).jobs).toEqual([]);
    expect(await journalLines()).toHaveLength(4);
    const seen = await readLedger(dir);
    expect(seen.jobs.map((j) => [j.id, j.status, j.video_id, j.attempts])).toEqual([
      ['a', 'submitted', '9007199254740993123', 1],
      ['b', 'pending', null, 0],
    ]);
    expect(seen.totals.credits_spent).toBe(80);
    expect(seen.totals.by_status.submitted).toBe(1);
    await store.close();
    const text = await readFile(join(dir, LEDGER_FILE), 'utf8');
    expect(text).toContain('"video_id":"9007199254740993123"');
    expect(text.split('\n').filter((line) => line.startsWith('{"id":')).length).toBe(2); // one job per line
    const file = JSON.parse(text);
    expect(file.version).toBe(1);
    expect(file.totals.jobs).toBe(2);
    expect(await journalLines()).toEqual([]);
  });

  it('groups concurrent updates into few writes and resolves each only once it is on disk', async () => {
    const store = await openLedger(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(makePendingLedgerJob(`j${i}`))));
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.update(`j${i}`, { status: 'submitting', attempts: 1 })));
    const lines = await journalLines();
    expect(lines).toHaveLength(100);
    expect(lines.map((l) => JSON.parse(l).s)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    await store.close();
  });

  it('rewrites the snapshot after as many events as there are jobs, so the journal stays short', async () => {
    const store = await openLedger(dir, { snapshotEvery: 10 });
    for (let i = 0; i < 5; i++) await store.put(makePendingLedgerJob(`j${i}`));
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 5; i++) await store.update(`j${i}`, { attempts: round + 1 });
    }
    await store.flush();
    // 55 events with a snapshot every 10: the journal never holds more than ~10 of them.
    expect((await journalLines()).length).toBeLessThanOrEqual(10);
    const snap = JSON.parse(await readFile(join(dir, LEDGER_FILE), 'utf8'));
    expect(snap.journal_seq).toBeGreaterThanOrEqual(50);
    expect((await readLedger(dir)).jobs.every((j) => j.attempts === 10)).toBe(true);
    await store.close();
  });

  it('writes a big snapshot in pieces as the ledger stood when it began: changes made meanwhile are in the journal', async () => {
    const store = await openLedger(dir);
    const ids = Array.from({ length: 20_000 }, (_, i) => `j${i}`);
    await store.addJobs(ids.map((id) => makePendingLedgerJob(id)));
    let finished = false;
    const snapshot = store.snapshot().then(() => (finished = true));
    // Once its temporary file exists the snapshot has captured the ledger and is writing pieces (20 of them).
    while (!finished && !(await readdir(dir)).some((n) => n.startsWith(`${LEDGER_FILE}.tmp-`))) await new Promise((r) => setImmediate(r));
    expect(finished).toBe(false);
    const last = ids.at(-1)!;
    const during = [store.update('j0', { status: 'submitted', video_id: '11' }), store.update(last, { status: 'submitted', video_id: '22' })];
    await snapshot;
    await Promise.all(during);
    const text = await readFile(join(dir, LEDGER_FILE), 'utf8');
    const file = JSON.parse(text);
    expect(file.jobs.map((j: { id: string }) => j.id)).toEqual(ids);
    expect([file.jobs[0].video_id, file.jobs.at(-1).video_id]).toEqual([null, null]);
    expect(text.split('\n').filter((line) => line.startsWith('{"id":')).length).toBe(ids.length); // one job per line
    expect((await journalLines()).map((l) => JSON.parse(l).id)).toEqual(['j0', last]);
    await store.close();
    const seen = await readLedger(dir);
    expect([seen.jobs[0]!.video_id, seen.jobs.at(-1)!.video_id, seen.jobs[1]!.video_id]).toEqual(['11', '22', null]);
  });

  it('ignores a torn last journal line and drops it on the next open', async () => {
    const a = makePendingLedgerJob('a');
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, journal_seq: 1, jobs: [a], totals: {} }));
    await writeFile(
      join(dir, JOURNAL_FILE),
      `${JSON.stringify({ s: 2, t: 'set', id: 'a', p: { status: 'submitting', attempts: 1 } })}\n{"s":3,"t":"set","id":"a","p":{"status":"subm`,
    );
    const seen = await readLedger(dir);
    expect(seen.jobs[0]!.status).toBe('submitting');
    const store = await openLedger(dir);
    expect(store.job('a')!.status).toBe('submitting');
    expect(await journalLines()).toEqual([]);
    await store.update('a', { status: 'unknown' });
    await store.close();
    expect((await readLedger(dir)).jobs[0]!.status).toBe('unknown');
  });

  it('skips journal events already in a newer snapshot (replay is idempotent)', async () => {
    const a = makePendingLedgerJob('a', { status: 'succeeded', video_id: '1' });
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, journal_seq: 7, jobs: [a], totals: {} }));
    await writeFile(
      join(dir, JOURNAL_FILE),
      [{ s: 6, t: 'set', id: 'a', p: { status: 'submitted' } }, { s: 8, t: 'set', id: 'a', p: { seed: 42 } }].map((e) => JSON.stringify(e)).join('\n') + '\n',
    );
    const seen = await readLedger(dir);
    expect([seen.jobs[0]!.status, seen.jobs[0]!.seed, seen.journal_seq]).toEqual(['succeeded', 42, 8]);
  });

  it('refuses a journal damaged in the middle instead of guessing', async () => {
    await writeFile(join(dir, LEDGER_FILE), JSON.stringify({ version: 1, journal_seq: 0, jobs: [makePendingLedgerJob('a')], totals: {} }));
    await writeFile(join(dir, JOURNAL_FILE), `garbage\n${JSON.stringify({ s: 1, t: 'set', id: 'a', p: { seed: 1 } })}\n`);
    await expect(readLedger(dir)).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', exitCode: 2 });
  });

  it('says clearly when a folder has no ledger', async () => {
    await expect(readLedger(dir)).rejects.toMatchObject({ code: 'LEDGER_NOT_FOUND', exitCode: 2 });
  });

  it('writeLedger replaces a ledger atomically, drops the old journal and refuses a folder in use', async () => {
    const store = await openLedger(dir);
    await store.put(makePendingLedgerJob('old'));
    await expect(writeLedger(dir, { version: 1, jobs: [], totals: store.ledger.totals })).rejects.toMatchObject({ code: 'OUTPUT_LOCKED' });
    await store.close();
    await writeFile(join(dir, JOURNAL_FILE), `${JSON.stringify({ s: 99, t: 'set', id: 'x', p: { seed: 1 } })}\n`);
    const merged = [makePendingLedgerJob('x', { status: 'succeeded', credits: 80 }), makePendingLedgerJob('y')];
    await writeLedger(dir, { version: 1, jobs: merged, totals: { jobs: 0, by_status: {} as never, credits_spent: 0, credits_refunded: 0, credits_unknown: 0 } });
    const seen = await readLedger(dir);
    expect(seen.jobs.map((j) => j.id)).toEqual(['x', 'y']);
    expect(seen.jobs[0]!.seed).toBeNull();
    expect(seen.totals.credits_spent).toBe(80);
  });

  it('recovers everything a killed process had acknowledged', async () => {
    // A child process appends events (each awaited = acknowledged) and is SIGKILLed with the lock still held.
    const script = `
      const { openLedger } = await import(${JSON.stringify(new URL('../../dist/ledger/store.js', import.meta.url).href)});
      const store = await openLedger(process.argv[1]);
      const now = new Date().toISOString();
      for (let i = 0; i < 20; i++) {
        await store.put({ id: 'k' + i, manifest: 'm', manifest_name: 'm', request: { model: 'paiwo-v5.6-ttv', input: 'x', aspect_ratio: '1:1', quality: '360p', duration: 5 },
          status: 'pending', video_id: null, seed_requested: null, seed: null, estimated_credits: 35, credits: null, credits_refunded: 0,
          file: 'k' + i + '.mp4', bytes: null, sha256: null, width: null, height: null, has_audio: null, attempts: 0, error: null, axes: {},
          created_at: now, updated_at: now, submitted_at: null, finished_at: null });
        await store.update('k' + i, { status: 'submitted', video_id: String(385043936817661n + BigInt(i)), credits: 35 });
      }
      process.stdout.write('acked\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('acked') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const store = await openLedger(dir); // the lock of a dead pid is stale: taken over
    expect(store.jobs).toHaveLength(20);
    expect(store.jobs.every((j) => j.status === 'submitted')).toBe(true);
    expect(store.job('k19')!.video_id).toBe('385043936817680');
    await store.close();
  });
});
