// Benchmark of the simulator: can it hold 200 generations in flight and 500+ requests/s without becoming the
// bottleneck? Starts `paiwo-batch simulator` in a child process, drives an open-loop mix of submits and fetches
// over keep-alive from this process, and prints achieved requests/s, p50/p99 latency, peak concurrent
// generations and the simulator's CPU. Run: npm run bench:sim   (env: BENCH_SECONDS, BENCH_RPS, BENCH_INFLIGHT)
import http from 'node:http';
import { startSimulatorProcess } from './lib/cli-process.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RPS = Number(process.env.BENCH_RPS ?? 800);
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 200);
const GEN_SECONDS = 2; // each generation lasts ~2 s of real time, so IN_FLIGHT / 2 submits per second keep IN_FLIGHT running
const SUBMIT_RPS = IN_FLIGHT / GEN_SECONDS;
const FETCH_RPS = Math.max(0, RPS - SUBMIT_RPS);
const TIME_SCALE = GEN_SECONDS / 25; // 540p / 5 s / audio ≈ 25 s on the generation-time model

const sim = await startSimulatorProcess(['--time-scale', String(TIME_SCALE), '--concurrency', '100000', '--seed', '7'], { echoStderr: true });
const url = sim.url;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const { hostname, port } = new URL(url);

function post(body) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request({ hostname, port, path: '/v1/responses', method: 'POST', agent, headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode, text }));
    });
    req.on('error', (e) => resolve({ ms: performance.now() - started, status: 0, text: String(e) }));
    req.end(JSON.stringify(body));
  });
}

async function stats() {
  const res = await fetch(`${url}/__sim/stats`);
  return res.json();
}

const latencies = [];
const ids = [];
let sent = 0;
let done = 0;
let failures = 0;
let submitIndex = 0;
const pending = new Set();

function track(p) {
  pending.add(p);
  p.then((r) => {
    pending.delete(p);
    done++;
    latencies.push(r.ms);
    if (r.status !== 200 || !r.text.startsWith('{"ErrCode":0')) failures++;
    const m = /"video_id":(\d+)/.exec(r.text);
    if (m) ids.push(m[1]);
  });
}

const before = await stats();
const t0 = performance.now();
let submitDebt = 0;
let fetchDebt = 0;
let last = t0;
// Open loop: every 5 ms, send what the target rates owe since the last tick.
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const now = performance.now();
    const dt = (now - last) / 1000;
    last = now;
    submitDebt += SUBMIT_RPS * dt;
    fetchDebt += FETCH_RPS * dt;
    for (; submitDebt >= 1; submitDebt--) {
      sent++;
      track(post({ model: 'paiwo-v5.6-ttv', input: `bench ${submitIndex++}`, aspect_ratio: '16:9', duration: 5, quality: '540p', generate_audio_switch: true }));
    }
    for (; fetchDebt >= 1; fetchDebt--) {
      if (ids.length === 0) break;
      sent++;
      track(post({ model: 'paiwo-get', input: ids[Math.floor(Math.random() * ids.length)] }));
    }
    if (now - t0 >= SECONDS * 1000) {
      clearInterval(tick);
      resolve();
    }
  }, 5);
});
const tSent = performance.now();
await Promise.all(pending);
const elapsed = (performance.now() - t0) / 1000;
const after = await stats();

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
const result = {
  target_rps: RPS,
  seconds: Number(elapsed.toFixed(2)),
  requests: done,
  achieved_rps: Math.round(done / elapsed),
  sending_rps: Math.round(sent / ((tSent - t0) / 1000)),
  failures,
  latency_ms: { p50: Number(pct(50)), p99: Number(pct(99)), max: Number(latencies.at(-1).toFixed(1)) },
  submits_accepted: after.submits.accepted,
  peak_concurrent_generations: after.concurrency.peak,
  simulator_cpu: { ms: Math.round(cpuMs), share_of_one_core: Number((cpuMs / 1000 / elapsed).toFixed(3)) },
};
console.log(JSON.stringify(result, null, 2));
agent.destroy();
await sim.close();
const ok = result.failures === 0 && result.achieved_rps >= 500 && result.peak_concurrent_generations >= IN_FLIGHT;
if (!ok) process.exitCode = 1;
