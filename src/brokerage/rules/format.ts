// Plain-English pieces of the explanations the rules give brokers.

/** Miles to one decimal place, without a trailing ".0" ("15", "17.2"). */
export function miles(n: number): string {
  const fixed = n.toFixed(1)
  return fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed
}

/**
 * A distance compared with a limit, never rounded onto the wrong side of it: 15.04 miles against
 * a 15-mile limit reads "15.04", not "15".
 */
export function milesAgainst(distance: number, limit: number): string {
  const shown = miles(distance)
  if (distance > limit && Number(shown) <= limit) return distance.toFixed(2)
  return shown
}

/** "A, B and C". */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`
}

/** An NHS number as people read it: 943 476 5919. */
export function nhsNumberText(digits: string): string {
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`
}
