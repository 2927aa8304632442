// A council's brokerage settings (DOMAIN.md §5–§7): the defaults are published practice, and every
// one of them is the council's to change on its admin page.
import { z } from 'zod'

/** Form fields arrive as strings: a trimmed numeric string becomes a number, anything else is left for Zod to refuse. */
function numeric(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  const n = Number(trimmed)
  return Number.isNaN(n) ? value : n
}

function wholeNumber(label: string, min: number, max: number) {
  const message = `${label} must be a whole number from ${min} to ${max}`
  return z.preprocess(
    numeric,
    z
      .number({ error: (issue) => (issue.input === undefined ? `Enter ${label.toLowerCase()}` : message) })
      .int({ error: message })
      .min(min, { error: message })
      .max(max, { error: message }),
  )
}

const weight = (label: string) => wholeNumber(label, 0, 100)

/** The largest maximum distance a council may set: beyond this a request is no longer "local". */
export const MAX_DISTANCE_LIMIT_MILES = 200

const maxDistanceMessage = `Maximum distance must be more than 0 and at most ${MAX_DISTANCE_LIMIT_MILES} miles`

export const brokerageSettingsSchema = z
  .object({
    /** Weight of the quality score in an offer's total, out of 100 (DOMAIN.md §7). */
    qualityWeight: weight('Quality weight'),
    /** Weight of the price score, out of 100. */
    priceWeight: weight('Price weight'),
    /** Optional weight of the distance score, out of 100; 0 leaves distance out of the score. */
    distanceWeight: weight('Distance weight'),
    /** Default maximum distance, in miles, from the person's postcode (DOMAIN.md §5). */
    maxDistanceMiles: z.preprocess(
      numeric,
      z
        .number({
          error: (issue) => (issue.input === undefined ? 'Enter the maximum distance' : maxDistanceMessage),
        })
        .positive({ error: maxDistanceMessage })
        .max(MAX_DISTANCE_LIMIT_MILES, { error: maxDistanceMessage }),
    ),
    /** Response window for emergencies; a broker may choose the other value on a request (DOMAIN.md §6). */
    emergencyHours: z.preprocess(
      numeric,
      z.union([z.literal(24), z.literal(48)], { error: 'Emergency window must be 24 or 48 hours' }),
    ),
    /** Working days given for each block of days before the start date. */
    routineWorkingDays: wholeNumber('Working days per block', 1, 60),
    /** Length in calendar days of one block between publication and the start date. */
    daysPerBlock: wholeNumber('Days per block', 1, 365),
    /** Capacity reports older than this many days are shown as out of date. */
    capacityStaleDays: wholeNumber('Days before capacity is out of date', 1, 365),
    /**
     * Points taken off an offer's total for each day it would start after the needed start date;
     * 0 only flags a late start.
     */
    lateStartPointsPerDay: wholeNumber('Points off for each day late', 0, 100),
    /** Calendar days of notice a provider gives when it hands a package back; less needs a reason. */
    handBackNoticeDays: wholeNumber('Notice period for hand-backs', 0, 365),

    /** Working days an awarded provider has to confirm or decline the package. */
    confirmationWorkingDays: wholeNumber('Working days to confirm an award', 1, 10),
    /**
     * Whether the allocation optimiser gives every visit of a home care round to one provider
     * (true), or may split a round's visits between providers (false).
     */
    allocationSameProvider: z.preprocess(
      (v) => (v === 'yes' ? true : v === 'no' ? false : v === '' ? undefined : v),
      z.boolean({
        error: 'Choose whether every visit of a home care round goes to one provider',
      }),
    ),
  })
  .superRefine((s, ctx) => {
    const total = s.qualityWeight + s.priceWeight + s.distanceWeight
    if (total !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['qualityWeight'],
        message: `The quality, price and distance weights must add up to 100; they add up to ${total}`,
      })
    }
  })

export type BrokerageSettings = z.infer<typeof brokerageSettingsSchema>

export const DEFAULT_BROKERAGE_SETTINGS: Readonly<BrokerageSettings> = Object.freeze({
  qualityWeight: 60,
  priceWeight: 40,
  distanceWeight: 0,
  maxDistanceMiles: 15,
  emergencyHours: 24,
  routineWorkingDays: 5,
  daysPerBlock: 28,
  capacityStaleDays: 7,
  lateStartPointsPerDay: 2,
  handBackNoticeDays: 28,

  confirmationWorkingDays: 2,
  allocationSameProvider: true,
})

/**
 * A council's stored settings, with the defaults filled in for anything it never set (a council
 * created before a setting existed keeps working). Throws a ZodError if a stored value is invalid.
 */
export function resolveBrokerageSettings(
  stored?: Partial<Record<keyof BrokerageSettings, unknown>> | null,
): BrokerageSettings {
  const given = Object.fromEntries(
    Object.entries(stored ?? {}).filter(([, v]) => v !== undefined && v !== null),
  )
  return brokerageSettingsSchema.parse({ ...DEFAULT_BROKERAGE_SETTINGS, ...given })
}
