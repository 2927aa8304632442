import { addCalendarDays, isWorkingDay } from '../../src/brokerage/rules/index.ts'
import { addBankHoliday } from '../../src/brokerage/settings/service.ts'
import type { AccessRule } from './types.ts'

let offset = 0
/** A fresh far-future weekday for each check, so each role finds a holiday there to remove. */
function nextWeekday(): string {
  for (;;) {
    const date = addCalendarDays('2099-01-01', offset++)
    if (isWorkingDay(date, new Set())) return date
  }
}

export const settingsRules: AccessRule[] = [
  { route: 'GET /admin/settings', allowed: ['council_admin'] },
  { route: 'POST /admin/settings', allowed: ['council_admin'] },
  { route: 'GET /admin/bank-holidays', allowed: ['council_admin'] },
  { route: 'POST /admin/bank-holidays', allowed: ['council_admin'] },
  {
    route: 'POST /admin/bank-holidays/:date/delete',
    allowed: ['council_admin'],
    url: async ({ database, home }) => {
      const date = nextWeekday()
      await addBankHoliday(
        database.db,
        home.councilId,
        { date, name: 'Access matrix day' },
        { kind: 'system', label: 'access matrix' },
      )
      return `/admin/bank-holidays/${date}/delete`
    },
  },
]
