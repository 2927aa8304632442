interface Window {
  failures: number
  endsAt: number
}

/**
 * Failed sign-ins per email address, in one-minute windows, so that guesses spread over many
 * client addresses still run out. Unknown addresses are counted like known ones, so being limited
 * says nothing about whether an account exists. An attempt takes its place before its password is
 * checked and gives it back if it succeeds: attempts checked at the same time cannot pass the limit.
 * Kept in the process's memory, like the per-address limit.
 */
export class FailedSignIns {
  private readonly windows = new Map<string, Window>()
  private nextSweepAt = 0

  constructor(
    private readonly maxFailures: number,
    private readonly now: () => number = Date.now,
    // One minute for passwords; two-factor codes count over a longer window (two-factor/limits.ts).
    private readonly windowMs = 60_000,
  ) {}

  /** Takes a place for an attempt; false when the address has had its failures this minute. */
  begin(email: string): boolean {
    const now = this.now()
    this.sweep(now)
    let window = this.windows.get(email)
    if (!window || window.endsAt <= now) {
      window = { failures: 0, endsAt: now + this.windowMs }
      this.windows.set(email, window)
    }
    if (window.failures >= this.maxFailures) return false
    window.failures++
    return true
  }

  /** The attempt succeeded, so it was not a failure. */
  succeeded(email: string): void {
    const window = this.windows.get(email)
    if (window && window.failures > 0) window.failures--
  }

  // Ended windows are dropped once a window, so memory follows the keys tried in the last one.
  private sweep(now: number): void {
    if (now < this.nextSweepAt) return
    for (const [email, window] of this.windows) if (window.endsAt <= now) this.windows.delete(email)
    this.nextSweepAt = now + this.windowMs
  }
}
