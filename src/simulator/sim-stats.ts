/** What `GET /__sim/stats` and `Simulator.stats()` return: enough to prove nothing was paid twice or lost. */
export interface SimVideoStats {
  /** The exact decimal id, as written in the responses. */
  readonly id: string;
  /** The parsed submit body. */
  readonly request: unknown;
  /** sha256 of the canonical body (keys sorted): equal bodies, equal hashes. */
  readonly body_sha256: string;
  /** 5 while generating, then 1, 7 or 8. */
  readonly status: number;
  readonly credits: number;
  /** Credits returned to the balance (moderation, status 7). */
  readonly refunded: number;
  /** The seed used (random when 0 or none was asked). */
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly has_audio: boolean;
  /** sha256 of a full download of the video's media; null until it succeeded. */
  readonly sha256: string | null;
  readonly created_at: string;
  readonly finished_at: string | null;
  /** When a fetch first answered status 1 (the client could know it was done); null until then. */
  readonly detected_at: string | null;
  readonly fetches: number;
  readonly media_requests: number;
}

export interface SimStats {
  /** Every HTTP request, /__sim/* included. */
  readonly requests: number;
  readonly submits: {
    readonly accepted: number;
    /** Answered with any error (business or gateway) and nothing created. */
    readonly rejected: number;
    /** Accepted submits whose canonical body equals an earlier accepted one. */
    readonly duplicate_bodies: number;
  };
  readonly fetches: number;
  readonly media: { readonly requests: number; readonly bytes: number };
  readonly credits: { readonly charged: number; readonly refunded: number };
  /** null = unlimited. */
  readonly balance: number | null;
  readonly concurrency: { readonly limit: number; readonly current: number; readonly peak: number };
  /** Firings per fault name. */
  readonly faults: Record<string, number>;
  /** The active fault spec, canonical. */
  readonly fault_spec: string;
  /** The simulator process's CPU time so far, in microseconds (process.cpuUsage()). */
  readonly cpu: { readonly user: number; readonly system: number };
  readonly videos: readonly SimVideoStats[];
}
