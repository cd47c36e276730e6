import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { it } from './temp-dir.js';

/**
 * Something outside node_modules a test needs (a browser, ffprobe, tmux). Without it the test cannot run:
 * on a developer's machine it is skipped with the reason printed beside the file; under CI (`CI` set, as
 * GitHub Actions and `.ci/run` do) the missing tool is a failure, because a green CI run must mean the test ran.
 */
export interface Requirement {
  readonly name: string;
  readonly available: boolean;
  /** What is missing and how to get it, for the message. */
  readonly missing: string;
}

/**
 * `PAIWO_TEST_WITHOUT=chromium,ffprobe` pretends those are missing, to see what a machine without them gets
 * (`PAIWO_TEST_WITHOUT=chromium npx vitest run test/report`).
 */
function pretendMissing(key: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PAIWO_TEST_WITHOUT ?? '').split(',').map((s) => s.trim().toLowerCase()).includes(key);
}

function onPath(command: string, args: readonly string[]): boolean {
  return spawnSync(command, [...args], { stdio: 'ignore' }).status === 0;
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM: Requirement = {
  name: 'Chromium',
  available: !pretendMissing('chromium') && existsSync(CHROMIUM_PATH),
  missing: `no browser at ${CHROMIUM_PATH}; install it with "apt-get install -y chromium" (.ci/run does)`,
};

export const FFPROBE: Requirement = {
  name: 'ffprobe',
  available: !pretendMissing('ffprobe') && onPath('ffprobe', ['-version']),
  missing: 'no ffprobe on the PATH; install it with "apt-get install -y ffmpeg" (.ci/run does)',
};

/** ffmpeg and ffprobe together: rendering simulated takes and checking them. */
export const FFMPEG: Requirement = {
  name: 'ffmpeg',
  available: !pretendMissing('ffmpeg') && onPath('ffmpeg', ['-version']) && FFPROBE.available,
  missing: 'no ffmpeg/ffprobe on the PATH; install them with "apt-get install -y ffmpeg" (.ci/run does)',
};

export const TMUX: Requirement = {
  name: 'tmux',
  available: !pretendMissing('tmux') && onPath('tmux', ['-V']),
  missing: 'no tmux on the PATH; install it with "apt-get install -y tmux" (.ci/run does)',
};

/** `CI` set to anything but "", "0" or "false". */
export function underCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

export type Verdict = { readonly run: true } | { readonly run: false; readonly fail: boolean; readonly reason: string };

/** Whether tests needing `requirements` run, are skipped (with why) or fail (under CI). */
export function verdictFor(requirements: readonly Requirement[], env: NodeJS.ProcessEnv = process.env): Verdict {
  const absent = requirements.filter((r) => !r.available);
  if (absent.length === 0) return { run: true };
  return { run: false, fail: underCI(env), reason: absent.map((r) => `${r.name} is missing: ${r.missing}`).join('; ') };
}

function announce(title: string, verdict: Exclude<Verdict, { run: true }>): void {
  if (verdict.fail) return;
  console.warn(`skipped "${title}": ${verdict.reason}. Under CI (CI=true) this is a failure, not a skip.`);
}

/**
 * `describe` for tests that need `requirements`: runs them when all are there; otherwise skips them with the
 * reason in the title and on stderr, or, under CI, replaces them with one failing test that says what is missing.
 */
export function describeWith(requirements: readonly Requirement[], title: string, body: () => void): void {
  const verdict = verdictFor(requirements);
  if (verdict.run) {
    describe(title, body);
    return;
  }
  if (verdict.fail) {
    describe(title, () => {
      it(`needs ${requirements.map((r) => r.name).join(' and ')}`, () => {
        throw new Error(`${verdict.reason} (CI is set: a missing requirement fails instead of skipping)`);
      });
    });
    return;
  }
  announce(title, verdict);
  describe.skip(`${title} [skipped: ${verdict.reason}]`, body);
}

/** `it` (temp-dir's, with the `tmp` fixture) for one test that needs `requirements`, with the same rule as `describeWith`. */
export function itWith(requirements: readonly Requirement[], title: string, fn: () => unknown, timeoutMs?: number): void {
  const verdict = verdictFor(requirements);
  if (verdict.run) {
    it(title, fn, timeoutMs);
    return;
  }
  if (verdict.fail) {
    it(title, () => {
      throw new Error(`${verdict.reason} (CI is set: a missing requirement fails instead of skipping)`);
    });
    return;
  }
  announce(title, verdict);
  it.skip(`${title} [skipped: ${verdict.reason}]`, fn);
}
