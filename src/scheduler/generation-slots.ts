import PQueue from 'p-queue';
import { silentLogger, type Logger } from '../util/logger.js';

export interface GenerationSlotsOptions {
  /** Generations in flight at once (the configured `concurrency`). */
  readonly limit: number;
  /** How long a lowered limit holds before it is raised by one again. @default 30_000 (× timeScale) */
  readonly cooldownMs?: number;
  readonly timeScale?: number;
  readonly logger?: Logger;
}

/**
 * The generation slots: a job holds one from the moment its submit is sent until its status is terminal (or
 * it times out). When the service says the account is at its limit (429, 500044) the number of slots drops to
 * what is really generating and climbs back one slot per cooldown, so the run settles at the account's true
 * limit instead of hammering it.
 */
export class GenerationSlots {
  readonly queue: PQueue;
  private readonly limit: number;
  private readonly cooldownMs: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private throttles = 0;

  constructor(options: GenerationSlotsOptions) {
    this.limit = options.limit;
    this.cooldownMs = Math.max(1, (options.cooldownMs ?? 30_000) * (options.timeScale ?? 1));
    this.logger = options.logger ?? silentLogger;
    this.queue = new PQueue({ concurrency: options.limit });
  }

  get concurrency(): number {
    return this.queue.concurrency;
  }

  get throttleCount(): number {
    return this.throttles;
  }

  add<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.add(task);
  }

  /** The service refused for load: hold the slots at `generating` (at least 1) for a cooldown. */
  throttle(generating: number): void {
    this.throttles++;
    const lowered = Math.max(1, Math.min(this.queue.concurrency, generating));
    if (lowered < this.queue.concurrency) {
      this.logger.info({ from: this.queue.concurrency, to: lowered }, 'service at its limit: fewer generation slots for a while');
      this.queue.concurrency = lowered;
    }
    this.scheduleRaise();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private scheduleRaise(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.queue.concurrency >= this.limit) {
      this.timer = null;
      return;
    }
    this.timer = setTimeout(() => {
      this.queue.concurrency = Math.min(this.limit, this.queue.concurrency + 1);
      this.scheduleRaise();
    }, this.cooldownMs);
    this.timer.unref();
  }
}
