import type { LedgerJob } from '../../src/results/ledger-types.js';

/** A pending ledger record as the runner creates it from a plan. */
export function makeLedgerJob(id: string, overrides: Partial<LedgerJob> = {}): LedgerJob {
  const now = new Date().toISOString();
  return {
    id,
    manifest: 'm.yaml',
    manifest_name: 'm',
    request: { model: 'paiwo-v5.6-ttv', input: `prompt ${id}`, aspect_ratio: '16:9', quality: '540p', duration: 5 },
    status: 'pending',
    video_id: null,
    seed_requested: null,
    seed: null,
    estimated_credits: 35,
    credits: null,
    credits_refunded: 0,
    file: `${id}.mp4`,
    bytes: null,
    sha256: null,
    width: null,
    height: null,
    has_audio: null,
    attempts: 0,
    error: null,
    axes: { prompt: id },
    created_at: now,
    updated_at: now,
    submitted_at: null,
    finished_at: null,
    ...overrides,
  };
}
