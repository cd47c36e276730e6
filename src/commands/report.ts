import type { CommandIO } from './command-io.js';
import { requireOutputFolder } from './output-folder-arg.js';
import { EXIT } from '../errors/exit-codes.js';
import { readLedger } from '../ledger/store.js';
import { ensurePosters } from '../report/posters.js';
import { writeReport } from '../report/write-report.js';

/** `paiwo-batch report <out>`: (re)writes report.html from the ledger (snapshot + journal); sends nothing. */
export async function reportCommand(outDir: string, io: CommandIO): Promise<number> {
  await requireOutputFolder('report', outDir);
  const ledger = await readLedger(outDir);
  // Posters first, so a missing ffmpeg is said here too, not only in the page.
  const { ffmpeg } = await ensurePosters(outDir, ledger.jobs, { ffmpeg: io.env.PAIWO_FFMPEG });
  if (!ffmpeg) io.stderr.write('paiwo-batch: ffmpeg not found: the report shows labelled placeholders instead of poster frames; install ffmpeg (or set PAIWO_FFMPEG) and run report again\n');
  const path = await writeReport(outDir, ledger, { secrets: [io.env.DMXAPI_API_KEY], ffmpeg: io.env.PAIWO_FFMPEG });
  io.stdout.write(`${path}\n`);
  return EXIT.ok;
}
