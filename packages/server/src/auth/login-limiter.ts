/**
 * Failed-login limits per account and per client IP, in a sliding window (in memory, per
 * process: with several instances behind a balancer each keeps its own count).
 *
 * Only failures count. An account's count is keyed by the email as typed (trimmed, lower
 * case), whether or not the account exists, so a 429 tells nothing about existence. A
 * success clears the account's count but not the IP's (an attacker logging into their own
 * account must not reset the count of their guesses at others).
 */
export interface LoginLimits {
  /** Failures per account in the window before further attempts get 429; 0 = no limit. */
  perAccount: number;
  /** Failures per client IP in the window; 0 = no limit. */
  perIp: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 10, perIp: 100, windowMs: 15 * 60_000 };

/** Keys kept at most (memory bound under a spray of addresses or emails); oldest go first. */
const MAX_KEYS = 50_000;

export class LoginLimiter {
  /** key → failure times, oldest first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until an attempt from `ip` on `email` may be made; 0 = now. */
  retryAfterSeconds(ip: string, email: string): number {
    const t = this.now();
    const wait = Math.max(this.wait(accountKey(email), this.limits.perAccount, t), this.wait(ipKey(ip), this.limits.perIp, t));
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  recordFailure(ip: string, email: string): void {
    const t = this.now();
    if (this.limits.perAccount > 0) this.add(accountKey(email), this.limits.perAccount, t);
    if (this.limits.perIp > 0) this.add(ipKey(ip), this.limits.perIp, t);
  }

  recordSuccess(email: string): void {
    this.failures.delete(accountKey(email));
  }

  /** ms until the oldest failure that keeps the count at the limit leaves the window. */
  private wait(key: string, limit: number, t: number): number {
    if (limit <= 0) return 0;
    const times = this.live(key, t);
    if (times.length < limit) return 0;
    return times[times.length - limit]! + this.limits.windowMs - t;
  }

  private add(key: string, limit: number, t: number): void {
    const times = this.live(key, t);
    times.push(t);
    // Only the latest `limit` failures decide anything.
    if (times.length > limit) times.splice(0, times.length - limit);
    this.failures.delete(key); // re-insert: Map order is then least recently failed first
    this.failures.set(key, times);
    if (this.failures.size > MAX_KEYS) this.evict(t);
  }

  private live(key: string, t: number): number[] {
    const times = this.failures.get(key) ?? [];
    const cutoff = t - this.limits.windowMs;
    while (times.length > 0 && times[0]! <= cutoff) times.shift();
    return times;
  }

  private evict(t: number): void {
    for (const [key, times] of this.failures) {
      if (this.failures.size <= MAX_KEYS) return;
      if (times.length === 0 || times[times.length - 1]! <= t - this.limits.windowMs) this.failures.delete(key);
    }
    for (const key of this.failures.keys()) {
      if (this.failures.size <= MAX_KEYS) return;
      this.failures.delete(key);
    }
  }
}

function accountKey(email: string): string {
  return `a:${email.trim().toLowerCase()}`;
}

function ipKey(ip: string): string {
  return `i:${ip}`;
}
