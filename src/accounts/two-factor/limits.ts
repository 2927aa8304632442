import { FailedSignIns } from '../failed-sign-ins.ts'

/** Wrong codes are counted over this long: six digits need fewer guesses than a password. */
export const TWO_FACTOR_WINDOW_MINUTES = 15

/**
 * Wrong second-factor codes per account and per client address, so guesses spread over many
 * addresses still run out for one account, and one address cannot try many accounts. Kept in
 * each instance's memory, like the password limits.
 */
export class TwoFactorLimits {
  private readonly accounts: FailedSignIns
  private readonly addresses: FailedSignIns

  constructor(perAccount: number, perAddress: number, now: () => number = Date.now) {
    const windowMs = TWO_FACTOR_WINDOW_MINUTES * 60_000
    this.accounts = new FailedSignIns(perAccount, now, windowMs)
    this.addresses = new FailedSignIns(perAddress, now, windowMs)
  }

  /** Takes a place for an attempt; false (and nothing taken) when either limit is reached. */
  begin(userId: number, ip: string): boolean {
    if (!this.accounts.begin(`user:${userId}`)) return false
    if (this.addresses.begin(ip)) return true
    this.accounts.succeeded(`user:${userId}`)
    return false
  }

  /** The code was right, so the attempt was not a failure. */
  succeeded(userId: number, ip: string): void {
    this.accounts.succeeded(`user:${userId}`)
    this.addresses.succeeded(ip)
  }
}
