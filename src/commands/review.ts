/** `paiwo-batch review <out>`: serve the report on 127.0.0.1 and save marks to `<out>/picks.json`, until stopped. */
import { spawn } from 'node:child_process';
import type { CommandIO } from './command-io.js';
import { requireOutputFolder } from './output-folder-arg.js';
import { EXIT } from '../errors/exit-codes.js';
import { readLedger } from '../ledger/store.js';
import { readPicks } from '../report/picks.js';
import { startReviewServer } from '../report/review-server.js';
import { untilSignal } from '../util/until-signal.js';
import { listenError } from './listen-error.js';

export interface ReviewCommandOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Open the page in the system's browser. */
  readonly open?: boolean;
  /** Resolves when the server should stop; default: the first SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
}

export async function reviewCommand(outDir: string, options: ReviewCommandOptions, io: CommandIO): Promise<number> {
  // A folder with no ledger, or a picks.json that is not ours, is refused before anything listens.
  await requireOutputFolder('review', outDir);
  await readLedger(outDir);
  await readPicks(outDir);
  const server = await startReviewServer({ outDir, port: options.port, secrets: [io.env.DMXAPI_API_KEY] }).catch((error: unknown) => {
    throw listenError(error, 'review', options.port);
  });
  // The URL first, alone on its line, so scripts and tests can read it.
  io.stdout.write(`${server.url}\n`);
  io.stderr.write(`paiwo-batch: reviewing ${outDir}: open the URL above; marks are saved to picks.json in that folder. Ctrl-C stops.\n`);
  if (options.open) openBrowser(server.url);
  await (options.until ?? untilSignal());
  await server.close();
  return EXIT.ok;
}

function openBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser opener: the URL is printed.
  }
}
