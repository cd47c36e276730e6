import { ledgerRecordOf } from '../../src/results/ledger-schema.js';
import type { LedgerJob } from '../../src/results/ledger-types.js';

/** A pending ledger record exactly as the runner creates it from a plan (through the runner's own function). */
export function makeLedgerJob(id: string, overrides: Partial<LedgerJob> = {}): LedgerJob {
  const record = ledgerRecordOf(
    {
      id,
      manifest: 'm.yaml',
      manifestName: 'm',
      request: { model: 'paiwo-v5.6-ttv', input: `prompt ${id}`, aspect_ratio: '16:9', quality: '540p', duration: 5 },
      repeatIndex: 0,
      file: `${id}.mp4`,
      estimatedCredits: 35,
      axes: { prompt: id },
    },
    new Date().toISOString(),
  );
  return { ...record, ...overrides };
}
