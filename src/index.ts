/**
 * The public API of paiwo-batch, by name. The CLI is one user of it; tests and scripts can be others.
 */

// Model rules and prices
export {
  MODELS,
  DEFAULT_MODEL,
  ASPECT_RATIOS,
  QUALITIES,
  DURATIONS,
  checkRequest,
  capabilitiesOf,
  type SubmitRequest,
  type ModelCapabilities,
  type AspectRatio,
  type Quality,
  type Duration,
  type MotionMode,
} from './model/capabilities.js';
export { estimateCredits, PRICE_TABLE_VERSION } from './model/prices.js';
export { outputSize } from './model/output-size.js';
export { expectedGenerationMs } from './model/generation-time.js';

// Manifests → jobs
export { parseManifest } from './manifest/parse-manifest.js';
export { loadManifests, type LoadManifestsOptions } from './manifest/load-manifests.js';
export { shardJobs } from './manifest/shard-jobs.js';
export type { Job, LoadedManifest, ManifestSet, RunSettings, PollSettings, Diagnostic } from './manifest/types.js';

// The service
export { ApiClient, type ApiClientOptions, type SubmitAccepted, type VideoStatus } from './api/api-client.js';
export { ApiError, isRetryableKind, type ApiErrorKind } from './api/api-error.js';

// Running a batch
export { runBatch, type RunBatchOptions } from './run-batch.js';
export type { RunSummary } from './scheduler/run-summary.js';

// Results
export { openLedger, readLedger, writeLedger, LedgerStore } from './ledger/store.js';
export { JOB_STATUSES, type Ledger, type LedgerJob, type JobStatus, type LedgerTotals } from './ledger/types.js';
export { computeTotals } from './ledger/money.js';
export { downloadVideo, type DownloadOptions, type DownloadResult } from './download/download-video.js';
export { DownloadError } from './download/download-error.js';
export { writeReport } from './report/write-report.js';
export { mergeLedgers } from './commands/merge.js';
export { serviceOf, isRehearsal, SIMULATOR_SERVICE } from './ledger/service-identity.js';

// The simulator
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator/start-simulator.js';
export type { SimStats } from './simulator/sim-stats.js';
export { FaultSpecError, parseFaultSpec } from './simulator/fault-spec.js';

// Errors
export { PaiwoError, UserError, InternalError } from './errors/paiwo-error.js';
export { ManifestError, formatDiagnostic } from './errors/manifest-error.js';
export { AccountRefusedError, BudgetExhaustedError } from './errors/service-errors.js';
