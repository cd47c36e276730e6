import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, open, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { EXIT } from '../errors/exit-codes.js';
import type { Job } from '../manifest/types.js';
import { outputSize } from '../model/output-size.js';
import { answeredByContract, IMPOSSIBLE_VIDEO_ID } from '../scheduler/outage-guard.js';
import { sleep } from '../scheduler/sleep.js';

/** One check of `doctor`: `error` fails it with `exit`, `warning` is said and does not. */
export interface DoctorCheck {
  readonly name: 'node' | 'key' | 'service' | 'output' | 'ffmpeg';
  readonly status: 'ok' | 'warning' | 'error';
  readonly message: string;
  /** The exit code this failed check asks for (errors only). */
  readonly exit?: number;
  /** `output` only: the folder, the bytes its planned videos need and the bytes free there. */
  readonly folder?: string;
  readonly needed_bytes?: number;
  readonly free_bytes?: number;
}

/** The oldest Node the package supports (package.json `engines`). */
const NODE_FLOOR = [20, 10] as const;

export function checkNode(version = process.versions.node): DoctorCheck {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > NODE_FLOOR[0] || (major === NODE_FLOOR[0] && minor >= NODE_FLOOR[1]);
  return ok
    ? { name: 'node', status: 'ok', message: `Node ${version}` }
    : { name: 'node', status: 'warning', message: `Node ${version} is older than ${NODE_FLOOR.join('.')}, the oldest paiwo-batch supports: upgrade Node` };
}

/**
 * The key and the gateway, with one call that cannot charge: `paiwo-get` of an id no service issues. The
 * contract's gateway answers it with its JSON (ErrCode 500008): the key is accepted and the gateway is the
 * service's. 401/403 (or ErrCode 400012/500020): the key is refused (exit 3). An HTML page, a redirect, a 404,
 * a timeout or no connection: the service cannot be reached as the contract says (exit 8). One retry.
 */
export async function checkService(baseUrl: string, apiKey: string, timeoutMs: number): Promise<DoctorCheck[]> {
  const client = new ApiClient({ baseUrl, apiKey, timeoutMs });
  const where = new URL(baseUrl).origin;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.fetchVideo(IMPOSSIBLE_VIDEO_ID);
        return serviceOk(where, 'ErrCode 0');
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.httpStatus === 401 || error.httpStatus === 403 || error.errCode === 400012 || error.errCode === 500020) {
          return [
            { name: 'key', status: 'error', exit: EXIT.accountRefused, message: `DMXAPI_API_KEY is refused by ${where}: ${error.message}` },
            { name: 'service', status: 'ok', message: `${where} answers as the DMXAPI gateway (it refused the key)` },
          ];
        }
        if (answeredByContract(error)) return serviceOk(where, error.code);
        if (attempt < 2 && error.retryable) {
          await sleep(1_000);
          continue;
        }
        const what = error.kind === 'account-refused' ? 'does not answer as the DMXAPI gateway (a redirect, a missing endpoint or a proxy?)' : 'cannot be reached';
        return [
          { name: 'key', status: 'warning', message: 'DMXAPI_API_KEY is set, but could not be checked: the service did not answer' },
          { name: 'service', status: 'error', exit: EXIT.serviceUnreachable, message: `${where} ${what}: ${error.message}` },
        ];
      }
    }
  } finally {
    client.close();
  }
}

function serviceOk(where: string, answer: string): DoctorCheck[] {
  return [
    { name: 'key', status: 'ok', message: `DMXAPI_API_KEY is accepted by ${where}` },
    { name: 'service', status: 'ok', message: `${where} answers as the contract says (a free paiwo-get of an id that cannot exist: ${answer}); nothing charged` },
  ];
}

/** A typical bitrate of a generated clip, high side: 10 Mbit/s at 1920×1080, in proportion to the pixels. */
const TYPICAL_BYTES_PER_PIXEL_SECOND = 10_000_000 / 8 / (1920 * 1080);
/** The ledger, its journal, posters and the report beside the videos: this share more. */
const FOLDER_OVERHEAD = 0.1;

/** The bytes a video of this request typically takes (quality × aspect ratio × duration). */
export function estimatedVideoBytes(request: Pick<Job['request'], 'quality' | 'aspect_ratio' | 'duration'>): number {
  const { width, height } = outputSize(request.quality, request.aspect_ratio);
  return Math.ceil(TYPICAL_BYTES_PER_PIXEL_SECOND * width * height * request.duration);
}

/**
 * An output folder: writable (a file created and removed there, or the nearest existing parent writable when the
 * folder does not exist yet) and with room for `jobs`' videos (estimated) plus the folder's own files.
 */
export async function checkFolder(folder: string, jobs: readonly Job[]): Promise<DoctorCheck> {
  const needed = Math.ceil(jobs.reduce((sum, j) => sum + estimatedVideoBytes(j.request), 0) * (1 + FOLDER_OVERHEAD));
  const base = { name: 'output' as const, folder, needed_bytes: needed };
  let existing = folder;
  try {
    existing = await nearestExisting(folder);
    if (existing === folder) await writeProbe(folder);
    else await access(existing, constants.W_OK);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ...base, status: 'error', exit: EXIT.outputUnwritable, message: `${folder} cannot be written (${why}${existing === folder ? '' : ` in ${existing}`})` };
  }
  const fs = await statfs(existing);
  const free = fs.bavail * fs.bsize;
  const planned = `${jobs.length} planned video${jobs.length === 1 ? '' : 's'} need about ${mb(needed)}`;
  if (free < needed) {
    return { ...base, free_bytes: free, status: 'error', exit: EXIT.outputUnwritable, message: `${folder}: ${planned}, only ${mb(free)} free` };
  }
  return { ...base, free_bytes: free, status: 'ok', message: `${folder} is writable; ${planned}, ${mb(free)} free` };
}

/** The folder, or its nearest parent that exists; a file on the way means it can never be made (ENOTDIR). */
async function nearestExisting(folder: string): Promise<string> {
  for (let dir = folder; ; dir = dirname(dir)) {
    const found = await stat(dir).catch(() => null);
    if (found?.isDirectory()) return dir;
    if (found) throw Object.assign(new Error(`${dir} is a file`), { code: 'ENOTDIR' });
    if (dirname(dir) === dir) return dir;
  }
}

async function writeProbe(folder: string): Promise<void> {
  const file = join(folder, `.paiwo-doctor-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile('paiwo-batch doctor\n');
    await handle.sync();
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(0.1, bytes / 1e6).toFixed(1)} MB`;
}

/** ffmpeg makes the report's posters: its absence is a warning, never a failure. */
export async function checkFfmpeg(ffmpeg = process.env.PAIWO_FFMPEG ?? 'ffmpeg'): Promise<DoctorCheck> {
  const version = await new Promise<string | null>((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(ffmpeg, ['-version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    } catch {
      resolve(null);
      return;
    }
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? (out.split('\n')[0] ?? '').trim() : null));
  });
  return version
    ? { name: 'ffmpeg', status: 'ok', message: version.slice(0, 120) }
    : { name: 'ffmpeg', status: 'warning', message: `${ffmpeg} not found: videos are saved, but report.html shows no posters (install ffmpeg, or set PAIWO_FFMPEG)` };
}
