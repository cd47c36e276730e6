// npm run bench:plan — `plan --json` on a manifest that expands to 100,000 jobs, run as a real CLI process.
// Goal (issue 2): under 3 s wall and under 300 MB peak RSS on a 2-core machine. Prints the figures; exits 1
// when a goal is missed. Peak RSS comes from GNU time (`/usr/bin/time -v`) when present, else from sampling
// VmHWM in /proc.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
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
  const gnuTime = existsSync('/usr/bin/time');
  const [cmd, args] = gnuTime ? ['/usr/bin/time', ['-v', process.execPath, CLI, 'plan', '--json', file]] : [process.execPath, [CLI, 'plan', '--json', file]];
  const started = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let peakKb = 0;
  const sampler = gnuTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) peakKb = Math.max(peakKb, Number(m[1]));
        } catch {}
      }, 10);
  const chunks = [];
  let stderr = '';
  child.stdout.on('data', (c) => chunks.push(c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  if (sampler) clearInterval(sampler);
  if (gnuTime) peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? 0);
  if (code !== 0) {
    process.stderr.write(stderr);
    throw new Error(`plan exited with ${code}`);
  }
  const out = Buffer.concat(chunks);
  const plan = JSON.parse(out.toString('utf8'));
  if (plan.total_jobs !== JOBS || plan.jobs.length !== JOBS) throw new Error(`expected ${JOBS} jobs, got ${plan.total_jobs}`);
  const peakMb = peakKb / 1024;
  const met = wallMs < GOAL_MS && peakMb < GOAL_MB;
  console.log(`plan --json, ${JOBS.toLocaleString('en-US')} jobs: ${(wallMs / 1000).toFixed(2)} s wall, ${peakMb.toFixed(0)} MB peak RSS, ${(out.length / 1024 / 1024).toFixed(1)} MB of JSON`);
  console.log(`goal (< ${GOAL_MS / 1000} s, < ${GOAL_MB} MB): ${met ? 'met' : 'NOT met'}`);
  process.exitCode = met ? 0 : 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
