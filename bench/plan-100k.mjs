// npm run bench:plan — `plan --json` on a manifest that expands to 100,000 jobs, run as a real CLI process.
// Goal (issue 2): under 3 s wall and under 300 MB peak RSS on a 2-core machine. Prints the figures; exits 1
// when a goal is missed. Peak RSS comes from GNU time (`/usr/bin/time -v`) when present, else from sampling
// VmHWM in /proc.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './lib/cli-process.mjs';

const JOBS = 100_000;
const GOAL_MS = 3000;
const GOAL_MB = 300;

// 50 prompts × 5 aspect ratios × 4 qualities × 100 seeds = 100,000 jobs.
const prompts = Array.from({ length: 50 }, (_, i) => `    - { id: p${i}, text: "Scene ${i}: a {animal} exploring a lantern-lit market at dusk, cinematic" }`);
const manifest = `name: bench-100k
max_jobs: ${JOBS}
defaults:
  duration: 5
  generate_audio_switch: true
  negative_prompt: "no text, no watermark"
matrix:
  prompt:
${prompts.join('\n')}
  animal: [fox]
  aspect_ratio: ["16:9", "9:16", "4:3", "3:4", "1:1"]
  quality: [360p, 540p, 720p, 1080p]
  seed: { from: 1, count: 100 }
`;

const dir = await mkdtemp(join(tmpdir(), 'paiwo-bench-plan-'));
try {
  const file = join(dir, 'bench-100k.yaml');
  await writeFile(file, manifest);
  const { code, stdout, stderr, ms: wallMs, usage } = await runCli(['plan', '--json', file], { measure: true });
  if (code !== 0) {
    process.stderr.write(stderr);
    throw new Error(`plan exited with ${code}`);
  }
  const plan = JSON.parse(stdout);
  if (plan.total_jobs !== JOBS || plan.jobs.length !== JOBS) throw new Error(`expected ${JOBS} jobs, got ${plan.total_jobs}`);
  const peakMb = usage.rssMb;
  const met = wallMs < GOAL_MS && peakMb < GOAL_MB;
  console.log(`plan --json, ${JOBS.toLocaleString('en-US')} jobs: ${(wallMs / 1000).toFixed(2)} s wall, ${peakMb.toFixed(0)} MB peak RSS, ${(Buffer.byteLength(stdout) / 1024 / 1024).toFixed(1)} MB of JSON`);
  console.log(`goal (< ${GOAL_MS / 1000} s, < ${GOAL_MB} MB): ${met ? 'met' : 'NOT met'}`);
  process.exitCode = met ? 0 : 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
