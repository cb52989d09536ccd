// Per-key token bucket: `burst` requests at once, refilled at `perSecond`. Keys are token names,
// so the map is bounded by tokens.toml; idle full buckets are dropped when it grows anyway.

export interface RateLimitOptions {
  /** Sustained requests per second per token. */
  perSecond: number;
  /** Requests a token may make at once after being idle. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 50, burst: 200 };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly opts: RateLimitOptions) {
    if (!(opts.perSecond > 0) || !(opts.burst >= 1)) throw new RangeError('rate limit needs perSecond > 0 and burst >= 1');
  }

  /** Take one request from `key`'s bucket; when empty, how long until one is available. */
  take(key: string, nowMs: number = performance.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    const { perSecond, burst } = this.opts;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= 10_000) this.sweep(nowMs);
      b = { tokens: burst, at: nowMs };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * perSecond);
    b.at = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - b.tokens) / perSecond) * 1000) };
  }

  private sweep(nowMs: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.at) / 1000) * this.opts.perSecond >= this.opts.burst) this.buckets.delete(k);
    }
  }
}
