import type { Logger } from '../util/logger.js';
import type { FaultPlan } from './fault-plan.js';
import type { MediaLibrary } from './media-library.js';
import type { TakeRenderer } from './render-take.js';
import type { SimState } from './sim-state.js';
import type { ResolvedPace } from './sim-pace.js';

/** Options with every default filled in (see SimulatorOptions for the meaning of each). */
export interface ResolvedSimulatorOptions {
  readonly port: number;
  readonly host: string;
  readonly timeScale: number;
  readonly apiKey: string | undefined;
  readonly concurrency: number;
  readonly balance: number | null;
  readonly seed: number;
  readonly bigIds: boolean;
  readonly largeMediaBytes: number | undefined;
  readonly oversizeMediaBytes: number;
  readonly hugeJsonBytes: number;
  readonly mediaTtlMs: number;
  readonly moderationWords: readonly string[];
  readonly submitModerationWords: readonly string[];
  readonly failureRate: number;
  readonly pace: ResolvedPace;
  readonly retryAfterSeconds: number;
}

/** What the request handlers share; `state` and `plan` are replaced on reset and setFaults. */
export interface SimContext {
  readonly options: ResolvedSimulatorOptions;
  readonly media: MediaLibrary;
  /** Distinct rendered takes; `null`: every video is the shipped clip of its size. */
  readonly takes: TakeRenderer | null;
  readonly logger: Logger;
  state: SimState;
  plan: FaultPlan;
  baseUrl: string;
  nextRequestId(): string;
}
