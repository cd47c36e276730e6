import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, describe, expect } from 'vitest';
import { CLI } from '../../bench/lib/cli-process.mjs';
import type { ProgressCounts } from '../../src/scheduler/progress-counts.js';
import { startLineProgress } from '../../src/display/progress-display.js';
import { progressLine } from '../../src/display/progress-line.js';
import { describeWith, TMUX } from '../helpers/requirements.js';
import { it } from '../helpers/temp-dir.js';
import { writeManifest } from './run-helpers.js';

const exec = promisify(execFile);

function counts(overrides: Partial<ProgressCounts> = {}): ProgressCounts {
  return {
    total: 24,
    succeeded: 7,
    generating: 3,
    downloading: 1,
    failed: 1,
    moderated: 0,
    unknown: 0,
    skipped: 0,
    creditsSpent: 2340,
    finishedThisRun: 8,
    expectedRemainingMs: 60_000,
    ...overrides,
  };
}

describe('the live line fits the terminal', () => {
  it('from 60 columns up, always keeps succeeded/total, credits and the ETA, and never passes the width', () => {
    const huge = counts({ total: 1_000_000, succeeded: 999_999, generating: 200, downloading: 150, failed: 12_345, moderated: 678, unknown: 9_012, skipped: 345_678, creditsSpent: 1_234_567_890 });
    const either = (n: number): string => `(${n}|${n.toLocaleString('en-US')})`;
    for (const c of [counts(), huge]) {
      for (let columns = 60; columns <= 220; columns++) {
        const line = progressLine(c, '12h30m', columns, '10h01m');
        // Room is left for the "^C" the terminal echoes after it, so Ctrl+C never wraps it.
        expect(line.length, `${columns}: ${line}`).toBeLessThanOrEqual(columns - 3);
        expect(line).toMatch(new RegExp(`${either(c.succeeded)}/${either(c.total)} succeeded`));
        expect(line).toMatch(new RegExp(`\\| ?${either(c.creditsSpent)} credits ?\\|`));
        expect(line).toMatch(/\| ?ETA 12h30m$/);
      }
    }
  });

  it('shows every field, in the ledger\'s words, when there is room; drops downloading, then generating, then the elapsed time first', () => {
    const c = counts({ moderated: 2, unknown: 3, skipped: 4 });
    expect(progressLine(c, '1m05s', 200, '4m10s')).toMatch(
      /^ \[[█░]{30}\] 7\/24 succeeded \| 3 generating \| 1 downloading \| 1 failed \| 2 moderated \| 3 unknown \| 4 skipped \| 2,340 credits \| elapsed 4m10s \| ETA 1m05s$/,
    );
    expect(progressLine(counts(), '1m05s', 105, '4m10s')).toMatch(/^ \[[█░]{10,30}\] 7\/24 succeeded \| 3 generating \| 1 failed \| 2,340 credits \| elapsed 4m10s \| ETA 1m05s$/);
    expect(progressLine(counts(), '1m05s', 80, '4m10s')).toMatch(/^ \[[█░]{10,30}\] 7\/24 succeeded \| 1 failed \| 2,340 credits \| ETA 1m05s$/);
    expect(progressLine(counts(), '1m05s', 60, '4m10s')).toMatch(/^ 7\/24 succeeded \| 1 failed \| 2,340 credits \| ETA 1m05s$/);
    // Zero counts are not shown (not even failed); "held" is not a word of ours.
    expect(progressLine(counts({ failed: 0, downloading: 0 }), '5s', 200)).not.toMatch(/downloading|failed|moderated|unknown|skipped|held/);
  });

  it('at 100 columns a 2,000-job run keeps its bar, with credits grouped and the elapsed time', () => {
    const c = counts({ total: 2000, succeeded: 1234, generating: 100, downloading: 0, failed: 0, creditsSpent: 15_050 });
    const line = progressLine(c, '3m10s', 100, '12m05s');
    expect(line).toMatch(/^ \[[█░]{10,30}\] 1,234\/2,000 succeeded \| 15,050 credits \| elapsed 12m05s \| ETA 3m10s$/);
    expect(progressLine(c, '3m10s', 120, '12m05s')).toMatch(/^ \[[█░]{10,30}\] 1,234\/2,000 succeeded \| 100 generating \| 15,050 credits \| elapsed 12m05s \| ETA 3m10s$/);
    expect(line).not.toMatch(/ 0 /);
    // In-flight counts go before the bar does.
    expect(progressLine(counts({ total: 2000, succeeded: 1234, generating: 100, downloading: 40, failed: 3, creditsSpent: 15_050 }), '3m10s', 100, '12m05s')).toMatch(/^ \[[█░]{10,}\] 1,234\/2,000 succeeded/);
  });
});

describe('the piped progress line', () => {
  it('has an ETA while running (from the typical generation time before anything finished) and none at the end', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    let current = counts({ succeeded: 0, failed: 0, finishedThisRun: 0, expectedRemainingMs: 90_000 });
    const display = startLineProgress(stream, () => current, 5);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    current = counts({ succeeded: 24, generating: 0, downloading: 0, failed: 0, finishedThisRun: 24 });
    display.stop();
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^progress: 0\/24 succeeded, 3 generating, 1 downloading, 0 failed, 2,340 credits spent, ETA 1m30s \(\d+s elapsed\)$/);
    expect(lines.at(-1)).toMatch(/^progress: 24\/24 succeeded, 0 generating, 0 downloading, 0 failed, 2,340 credits spent \(\d+s in all\)$/);
    expect(lines.at(-1)).not.toContain('ETA');
  });
});

/** A tmux server of our own (its own socket), so nothing else on the machine is touched. */
const SOCKET = `paiwo-test-${process.pid}`;
const tmux = (...args: string[]) => exec('tmux', ['-L', SOCKET, ...args]);

async function pane(session: string, history = false): Promise<string> {
  const { stdout } = await tmux('capture-pane', '-p', '-t', session, ...(history ? ['-S', '-200'] : []));
  return stdout;
}

/** Polls the pane until `pattern` shows (a deterministic trigger; the deadline only bounds a broken run). */
async function waitForPane(session: string, pattern: RegExp, deadlineMs = 60_000): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const text = await pane(session);
    if (pattern.test(text)) return text;
    if (Date.now() > until) throw new Error(`the pane never showed ${pattern}:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeWith([TMUX], 'the live display in a real terminal (tmux)', () => {
  let dir: string;
  it.beforeEach(({ tmp }) => {
    dir = tmp;
  });
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
  });

  for (const columns of [60, 80]) {
    it(`at ${columns} columns shows credits and the ETA, and Ctrl+C leaves no fragment of the bar`, async () => {
      const prompts = Array.from({ length: 12 }, (_, i) => `clip ${i}`);
      await writeManifest(dir, prompts, [1, 2], 'run:\n  concurrency: 2\n');
      const session = `display-${columns}`;
      // CI would turn the live display into piped lines: the terminal in tmux is what is tested here.
      const command = `cd '${dir}' && env -u CI -u GITHUB_ACTIONS '${process.execPath}' '${CLI}' run m.yaml --simulator --time-scale 0.05; echo "EXIT=$?"; sleep 60`;
      await tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', '40', command);
      try {
        const live = await waitForPane(session, /\d+\/24 succeeded .*ETA \S+/);
        const bar = live.split('\n').find((l) => l.includes('/24 succeeded'))!;
        expect(bar).toMatch(/\| [\d,]+ simulated credits( \| elapsed \S+)? \| ETA (\d+[smh]|\d+m\d+s|…)\s*$/);
        expect(bar.trimEnd().length).toBeLessThanOrEqual(columns - 3);
        await waitForPane(session, /[1-9]\d*\/24 succeeded/);
        await tmux('send-keys', '-t', session, 'C-c');
        await waitForPane(session, /EXIT=130/);
        const after = await pane(session, true);
        // The bar is gone: no line keeps a piece of it, and the notice and the summary start on lines of their own.
        expect(after).not.toMatch(/succeeded \||\| ETA|credits \||\^C/);
        const lines = after.split('\n');
        expect(lines.some((l) => l.startsWith('SIGINT: stopping — no new submits'))).toBe(true);
        expect(lines.some((l) => /^paiwo-batch (run|rehearsal): 24 jobs — /.test(l))).toBe(true);
        expect(lines.some((l) => l.startsWith('exit 130: interrupted'))).toBe(true);
        // The cursor is shown again.
        const { stdout: cursor } = await tmux('display-message', '-p', '-t', session, '#{cursor_flag}');
        expect(cursor.trim()).toBe('1');
      } finally {
        await tmux('kill-session', '-t', session).catch(() => undefined);
      }
    }, 120_000);
  }
});
