/** The documented exit codes (docs/cli.md "Exit codes"). When several apply, the first of 3, 4, 6, 5 wins (the failure-rate breaker's 5 before 6). */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  accountRefused: 3,
  budget: 4,
  failedJobs: 5,
  unresolvedJobs: 6,
  /** The output folder cannot be written (disk full, read-only, permissions): the user's environment, not a bug. */
  outputUnwritable: 7,
  /** `doctor`: the service cannot be reached, or what answers is not the contract's gateway (HTML, a redirect, a proxy). */
  serviceUnreachable: 8,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
