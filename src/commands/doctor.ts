import type { CommandIO } from './command-io.js';
import { UserError, PaiwoError, OutputUnwritableError } from '../errors/paiwo-error.js';
import { EXIT } from '../errors/exit-codes.js';
import { AccountRefusedError, ServiceUnreachableError } from '../errors/service-errors.js';
import { loadManifests } from '../manifest/load-manifests.js';
import type { Job } from '../manifest/types.js';
import { outputFolderOf } from '../plan-folders.js';
import { startSimulator, type Simulator } from '../simulator/start-simulator.js';
import { printable, printableJson } from '../util/printable.js';
import { addSecret } from '../util/redact.js';
import { checkFfmpeg, checkFolder, checkNode, checkService, type DoctorCheck } from './doctor-checks.js';
import { planProgress } from './plan-progress.js';
import { DEFAULT_BASE_URL } from './run.js';

export type { DoctorCheck } from './doctor-checks.js';

export interface DoctorCommandOptions {
  readonly baseUrl?: string;
  /** Check against the built-in simulator (no key needed): the rehearsal folders. */
  readonly simulator?: boolean;
  /** `--out`: the output folder of every manifest (as `run --out`). */
  readonly out?: string;
  readonly json?: boolean;
  /** Deadline of the free call, seconds. @default 15 */
  readonly timeout?: number;
  /** @default process.cwd() */
  readonly cwd?: string;
}

/** What `doctor --json` prints. */
export interface DoctorReport {
  readonly ok: boolean;
  readonly exit_code: number;
  /** The API origin checked, or "simulator". */
  readonly service: string;
  readonly checks: readonly DoctorCheck[];
}

const DEFAULT_TIMEOUT_S = 15;
const SIMULATOR_KEY = 'sk-paiwo-batch-simulator';
/** When several checks fail, the exit code of the first of these: a missing key, a refused key, the service, the disk. */
const EXIT_ORDER: readonly number[] = [EXIT.usage, EXIT.accountRefused, EXIT.serviceUnreachable, EXIT.outputUnwritable];

/**
 * `paiwo-batch doctor [manifests…]`: the checks that cost nothing, for the evening before a night's batch —
 * the Node version, the key (set, and accepted by a free `paiwo-get`), the gateway (the contract's JSON, not an
 * HTML page, a redirect or a proxy), each manifest's output folder (writable, with room for its planned
 * videos), ffmpeg (a warning). Never submits. Exit 0 when all is well; else the first of 2 (no key), 3 (key
 * refused), 8 (service unreachable or not the gateway), 7 (a folder), thrown as its error once reported.
 */
export async function doctorCommand(patterns: readonly string[], options: DoctorCommandOptions, io: CommandIO): Promise<number> {
  if (options.simulator && options.baseUrl !== undefined) {
    throw new UserError('USAGE', '--simulator and --base-url exclude each other: the simulator has its own URL');
  }
  const cwd = options.cwd ?? process.cwd();
  const checks: DoctorCheck[] = [checkNode()];
  // Manifests first: a broken one is a usage error (exit 2) before anything is sent.
  const folders = patterns.length > 0 ? await plannedFolders(patterns, options, cwd) : [];
  let simulator: Simulator | null = null;
  let service: string;
  try {
    if (options.simulator) simulator = await startSimulator({ apiKey: SIMULATOR_KEY });
    const baseUrl = simulator?.url ?? options.baseUrl ?? io.env.DMXAPI_BASE_URL ?? DEFAULT_BASE_URL;
    service = simulator ? 'simulator' : new URL(baseUrl).origin;
    const apiKey = simulator ? SIMULATOR_KEY : io.env.DMXAPI_API_KEY?.trim();
    if (!apiKey) {
      checks.push({ name: 'key', status: 'error', exit: EXIT.usage, message: 'DMXAPI_API_KEY is not set: export your DMXAPI key (it is read only from the environment)' });
    } else {
      if (!simulator) addSecret(apiKey);
      checks.push(...(await checkService(baseUrl, apiKey, (options.timeout ?? DEFAULT_TIMEOUT_S) * 1000)));
    }
  } finally {
    await simulator?.close();
  }
  for (const f of folders) checks.push(await checkFolder(f.folder, f.jobs));
  checks.push(await checkFfmpeg());
  const failed = checks.filter((c) => c.status === 'error');
  const exit = EXIT_ORDER.find((code) => failed.some((c) => c.exit === code)) ?? (failed.length > 0 ? EXIT.internal : EXIT.ok);
  const report: DoctorReport = { ok: failed.length === 0, exit_code: exit, service, checks };
  if (options.json) io.stdout.write(`${printableJson(JSON.stringify(report, null, 2))}\n`);
  else io.stdout.write(printable(formatDoctor(report)));
  const error = errorOf(exit);
  if (error) throw error;
  return EXIT.ok;
}

/** Each manifest's output folder (as `run` would use it) and the jobs it still has to save there. */
async function plannedFolders(patterns: readonly string[], options: DoctorCommandOptions, cwd: string): Promise<{ folder: string; jobs: Job[] }[]> {
  const set = await loadManifests(patterns, { cwd });
  const byFolder = new Map<string, Job[]>();
  // What is done already needs no room; a folder whose ledger cannot be read counts every job (its check says why).
  const progress = options.simulator
    ? null
    : await planProgress(set, { cwd, retryFailed: false, resubmitUnknown: false, ...(options.out !== undefined && { out: options.out }) }).catch((error: unknown) => {
        if (error instanceof UserError && error.code !== 'LEDGER_NOT_FOUND') throw error;
        return null;
      });
  for (const m of set.manifests) {
    const folder = outputFolderOf(m, options.out, undefined, cwd, options.simulator === true);
    const jobs = byFolder.get(folder) ?? [];
    for (const job of m.jobs) {
      const need = progress?.needIn(m, job) ?? 'submit';
      if (need !== 'done' && need !== 'held') jobs.push(job);
    }
    byFolder.set(folder, jobs);
  }
  return [...byFolder].map(([folder, jobs]) => ({ folder, jobs }));
}

const MARK: Readonly<Record<DoctorCheck['status'], string>> = { ok: 'ok  ', warning: 'warn', error: 'FAIL' };

export function formatDoctor(report: DoctorReport): string {
  const lines = report.checks.map((c) => `${MARK[c.status]}  ${c.name.padEnd(7)} ${c.message}`);
  const warnings = report.checks.filter((c) => c.status === 'warning').length;
  lines.push(
    '',
    report.ok
      ? `doctor: all checks passed${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}; nothing was charged`
      : `doctor: exit ${report.exit_code} — fix what FAIL says, then run doctor again; nothing was charged`,
  );
  return `${lines.join('\n')}\n`;
}

/** The error `doctor` ends with (already reported: main prints nothing more), null when all is well. */
function errorOf(exit: number): PaiwoError | null {
  const reported = { reported: true } as const;
  switch (exit) {
    case EXIT.ok:
      return null;
    case EXIT.usage:
      return new UserError('API_KEY_MISSING', 'DMXAPI_API_KEY is not set', reported);
    case EXIT.accountRefused:
      return new AccountRefusedError('KEY_REFUSED', 'the service refused the key', reported);
    case EXIT.serviceUnreachable:
      return new ServiceUnreachableError('the service cannot be reached as the contract says', reported);
    case EXIT.outputUnwritable:
      return new OutputUnwritableError('OUTPUT_UNWRITABLE', 'an output folder cannot be written or is too full', reported);
    default:
      return new ServiceUnreachableError('a doctor check failed', reported);
  }
}
