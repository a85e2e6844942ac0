/**
 * Bounds the git processes one web process runs at once. Requests beyond the limit wait
 * in a bounded queue; beyond that they are refused (the caller answers 429), so a burst
 * of clients slows down instead of exhausting memory or process slots.
 */
export class GitLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueued: number,
  ) {}

  /** A release function once a slot is free, or null when the queue is full. */
  async acquire(): Promise<(() => void) | null> {
    if (this.running >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxQueued) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}

/** The process-wide limiter (Next may load this module in several bundles), rebuilt if the limits change. */
export function sharedGitLimiter(maxConcurrent: number, maxQueued: number): GitLimiter {
  const g = globalThis as { rookeryGitLimiter?: GitLimiter };
  const current = g.rookeryGitLimiter;
  if (!current || current.maxConcurrent !== maxConcurrent || current.maxQueued !== maxQueued) g.rookeryGitLimiter = new GitLimiter(maxConcurrent, maxQueued);
  return g.rookeryGitLimiter!;
}
