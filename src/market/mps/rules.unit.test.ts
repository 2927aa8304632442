import { describe, expect, it } from 'vitest'
import {
  countFigure,
  figureCsv,
  figureText,
  locationMatches,
  publishedFigures,
  type RowFacts,
} from './rules.ts'
import { SECTOR_DEFINITIONS } from './sectors.ts'

const facts = (overrides: Partial<RowFacts>): RowFacts => ({
  weeklyCostPence: 123_456,
  people: 10,
  brokeredPeople: 3,
  locations: 10,
  places: 100,
  rated: 10,
  goodOrOutstanding: 7,
  ...overrides,
})

describe('small-number suppression at the threshold', () => {
  it('suppresses 4, and shows 5 and 6, with the default threshold of 5', () => {
    expect(countFigure(4, 5)).toEqual({ kind: 'suppressed' })
    expect(countFigure(5, 5)).toEqual({ kind: 'value', value: 5 })
    expect(countFigure(6, 5)).toEqual({ kind: 'value', value: 6 })
    expect(countFigure(0, 5)).toEqual({ kind: 'suppressed' })
  })

  it('moves with the council’s threshold', () => {
    expect(countFigure(6, 7)).toEqual({ kind: 'suppressed' })
    expect(countFigure(7, 7)).toEqual({ kind: 'value', value: 7 })
  })

  for (const people of [4, 5, 6]) {
    it(`suppresses spend with the people it pays for (${people} people)`, () => {
      const figures = publishedFigures(facts({ people }), 5, true)
      if (people < 5) {
        expect(figures.people).toEqual({ kind: 'suppressed' })
        expect(figures.annualSpendPence).toEqual({ kind: 'suppressed' })
      } else {
        expect(figures.people).toEqual({ kind: 'value', value: people })
        expect(figures.annualSpendPence).toEqual({ kind: 'value', value: 123_456 * 52 })
      }
    })
  }

  for (const rated of [4, 5, 6]) {
    it(`suppresses a percentage of fewer rated locations than the threshold (${rated} rated)`, () => {
      const figure = publishedFigures(
        facts({ rated, goodOrOutstanding: 3 }),
        5,
        true,
      ).goodOrOutstandingPercent
      if (rated < 5) expect(figure).toEqual({ kind: 'suppressed' })
      else expect(figure).toEqual({ kind: 'value', value: Math.round((3 / rated) * 1000) / 10 })
    })
  }

  it('suppresses small counts of locations and places too, and leaves places out outside care homes', () => {
    const figures = publishedFigures(facts({ locations: 4, places: 4 }), 5, true)
    expect(figures.locations).toEqual({ kind: 'suppressed' })
    expect(figures.places).toEqual({ kind: 'suppressed' })
    expect(publishedFigures(facts({ places: null }), 5, true).places).toEqual({ kind: 'not_applicable' })
  })

  it('does not publish people or spend until the council has loaded its own book', () => {
    const before = publishedFigures(facts({ people: 20, brokeredPeople: 20 }), 5, false)
    expect(before.people).toEqual({ kind: 'not_known' })
    expect(before.annualSpendPence).toEqual({ kind: 'not_known' })
    expect(before.brokeredPeople).toEqual({ kind: 'value', value: 20 })
    expect(figureText(before.people, 'count', 5)).toBe('Not known')
    const after = publishedFigures(facts({ people: 20, brokeredPeople: 12 }), 5, true)
    expect(after.people).toEqual({ kind: 'value', value: 20 })
    expect(after.brokeredPeople).toEqual({ kind: 'value', value: 12 })
  })

  it('suppresses the people placed through Caremarket when the rest are too few to show', () => {
    // 20 people, 17 of them brokered: showing 17 would tell that 3 were not.
    const withheld = publishedFigures(facts({ people: 20, brokeredPeople: 17 }), 5, true).brokeredPeople
    expect(withheld).toEqual({ kind: 'withheld' })
    // Not "fewer than 5", which would be untrue.
    expect(figureText(withheld, 'count', 5)).toBe('suppressed')
    expect(publishedFigures(facts({ people: 20, brokeredPeople: 4 }), 5, true).brokeredPeople).toEqual({
      kind: 'suppressed',
    })
  })

  it('writes suppressed figures the same way on the page and in the CSV', () => {
    const suppressed = { kind: 'suppressed' } as const
    expect(figureText(suppressed, 'count', 5)).toBe('fewer than 5')
    expect(figureCsv(suppressed, 'count', 5)).toBe('fewer than 5')
    expect(figureText(suppressed, 'percent', 7)).toBe('suppressed')
    expect(figureCsv(suppressed, 'money', 7)).toBe('suppressed')
  })
})

describe('figures as text', () => {
  it('shows large spend in millions and exact pounds in the CSV', () => {
    expect(figureText({ kind: 'value', value: 128_000_000_00 }, 'money', 5)).toBe('£128.0m')
    expect(figureText({ kind: 'value', value: 45_678_90 }, 'money', 5)).toBe('£45,679')
    expect(figureCsv({ kind: 'value', value: 128_000_000_49 }, 'money', 5)).toBe(128000000)
    expect(figureText({ kind: 'value', value: 70.6 }, 'percent', 5)).toBe('70.6%')
    expect(figureText({ kind: 'value', value: 5997 }, 'count', 5)).toBe('5,997')
  })
})

describe('sectors', () => {
  it('counts a care home registered for nursing as a nursing home only', () => {
    const [residential, nursing] = SECTOR_DEFINITIONS['older-people-care-homes'].rows
    const both = {
      id: 1,
      serviceTypes: ['residential_home', 'nursing_home'],
      clientGroups: ['older_people'],
      registeredBeds: 40,
    }
    expect(residential && locationMatches(residential, both)).toBe(false)
    expect(nursing && locationMatches(nursing, both)).toBe(true)
  })

  it('separates older people from working-age adults by client group', () => {
    const [olderResidential] = SECTOR_DEFINITIONS['older-people-care-homes'].rows
    const [workingAgeResidential] = SECTOR_DEFINITIONS['working-age-care-homes'].rows
    const home = {
      id: 1,
      serviceTypes: ['residential_home'],
      clientGroups: ['younger_adults'],
      registeredBeds: 8,
    }
    expect(olderResidential && locationMatches(olderResidential, home)).toBe(false)
    expect(workingAgeResidential && locationMatches(workingAgeResidential, home)).toBe(true)
  })
})
