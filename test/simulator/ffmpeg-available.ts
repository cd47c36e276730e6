import { spawnSync } from 'node:child_process';

/** ffmpeg and ffprobe (Debian's package; `.ci/run` installs it). */
export const FFMPEG = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

/**
 * Tests of rendered takes skip without ffmpeg and say why — except under CI=true, where a missing ffmpeg is a
 * failure (the CI installs it; a skip there would hide that the takes are not tested).
 */
export const SKIP_WITHOUT_FFMPEG = !FFMPEG && process.env.CI !== 'true';
export const WHY_SKIPPED = SKIP_WITHOUT_FFMPEG ? ' (SKIPPED: ffmpeg/ffprobe not found; install ffmpeg to test rendered takes)' : '';
