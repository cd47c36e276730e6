// The I/O floor of a crash-safe run, for bench/run-1000.mjs: the same jobs, the same requests and the same durable
// writes as `paiwo-batch run`, with nothing else — no manifest, no ledger object, no retries, no timers beyond the
// poll waits, no report. Whatever CPU this costs on a machine, no runner in Node can go below it there.
// Per job: journal line + fdatasync, submit on a fresh connection, journal line + fdatasync, first check at
// 0.9 × the expected generation time then every 0.05 × (the runner's schedule), download on a keep-alive
// connection with sha256 on the way into a .part, fsync, rename, journal line.
// Usage: node bench/lib/io-floor.mjs <base-url> <out-dir> <jobs.json> <concurrency> <time-scale>
// Prints one JSON line: {"ms":…, "fetches_per_job":…, "succeeded":…}.
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { expectedGenerationMs } from '../../dist/model/generation-time.js';

const [baseUrl, out, jobsFile, concurrencyText, timeScaleText] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(jobsFile, 'utf8'));
const concurrency = Number(concurrencyText);
const timeScale = Number(timeScaleText);
const endpoint = new URL('/v1/responses', baseUrl);
const headers = { Authorization: `Bearer ${process.env.DMXAPI_API_KEY}`, 'Content-Type': 'application/json', Accept: 'application/json' };
const submitAgent = new http.Agent({ keepAlive: false });
const fetchAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const mediaAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function post(agent, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname: endpoint.hostname, port: endpoint.port, path: endpoint.pathname, method: 'POST', agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function download(href, dest) {
  return new Promise((resolve, reject) => {
    http.get(href, { agent: mediaAgent }, (res) => {
      const part = `${dest}.part`;
      const fd = openSync(part, 'w');
      const hash = createHash('sha256');
      res.on('data', (chunk) => {
        hash.update(chunk);
        writeSync(fd, chunk);
      });
      res.on('end', () => {
        fsyncSync(fd);
        closeSync(fd);
        renameSync(part, dest);
        resolve(hash.digest('hex'));
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

mkdirSync(out, { recursive: true });
const journal = openSync(join(out, 'journal.jsonl'), 'a');
const record = (event, durable) => {
  writeSync(journal, `${JSON.stringify(event)}\n`);
  if (durable) fdatasyncSync(journal);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let fetches = 0;
let succeeded = 0;
async function one(request, i) {
  record({ i, status: 'submitting', request }, true);
  const answer = await post(submitAgent, JSON.stringify(request));
  const videoId = /"video_id"\s*:\s*(\d+)/.exec(answer)?.[1];
  if (!videoId) throw new Error(`submit refused: ${answer.slice(0, 200)}`);
  record({ i, status: 'submitted', video_id: videoId }, true);
  const expected = expectedGenerationMs(request) * timeScale;
  await sleep(0.9 * expected);
  for (;;) {
    fetches++;
    const got = JSON.parse(await post(fetchAgent, `{"model":"paiwo-get","input":"${videoId}"}`));
    if (got.ErrCode === 0 && got.Resp.status === 1) {
      const sha256 = await download(got.Resp.url, join(out, `${i}.mp4`));
      record({ i, status: 'succeeded', sha256 }, false);
      succeeded++;
      return;
    }
    await sleep(0.05 * expected);
  }
}

const started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) {
      const i = next++;
      await one(jobs[i], i);
    }
  }),
);
console.log(JSON.stringify({ ms: Date.now() - started, fetches_per_job: fetches / jobs.length, succeeded }));
