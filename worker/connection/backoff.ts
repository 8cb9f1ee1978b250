/**
 * Delays between reconnection attempts: exponential from `minMs` to `maxMs`, with "equal jitter"
 * (half the delay fixed, half random) so that a fleet of boards that lost the supervisor together
 * does not come back in one wave.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly minMs: number, private readonly maxMs: number, private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  /** At least `floorMs` (what a refusal asked for), plus up to 10 % of jitter. */
  atLeast(floorMs: number): number {
    const own = this.next();
    return Math.max(own, Math.round(floorMs + this.random() * floorMs * 0.1));
  }

  /** A connection succeeded: start again from `minMs`. */
  reset(): void {
    this.failures = 0;
  }

  get failureCount(): number {
    return this.failures;
  }
}
