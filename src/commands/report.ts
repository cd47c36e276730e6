import type { CommandIO } from '../cli/io.js';
import { EXIT } from '../cli/exit-codes.js';
import { readLedger } from '../results/ledger-store.js';
import { writeReport } from '../results/write-report.js';

/** `paiwo-batch report <out>`: (re)writes report.html from the ledger (snapshot + journal); sends nothing. */
export async function reportCommand(outDir: string, io: CommandIO): Promise<number> {
  const ledger = await readLedger(outDir);
  const path = await writeReport(outDir, ledger, { secrets: [io.env.DMXAPI_API_KEY] });
  io.stdout.write(`${path}\n`);
  return EXIT.ok;
}
