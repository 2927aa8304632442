import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../errors.ts'
import { formFromScenario, scenarioFromForm } from './form.ts'

function errorsOf(form: Record<string, string>) {
  try {
    scenarioFromForm(form)
  } catch (error) {
    if (error instanceof ValidationError) return error.errors
    throw error
  }
  throw new Error('no errors')
}

describe('a scenario from the page’s form', () => {
  it('makes the JSON the API takes: percentages as typed, the NLW in pounds as pence', () => {
    expect(
      scenarioFromForm({
        'build-default': ' 5 ',
        'build-home-support': '6.5%',
        'build-older-people-nursing': '',
        'build-payShare': '70',
        'build-nlwOld': '£12.71',
        'build-nlwNew': '13.21',
      }),
    ).toEqual({ default: 5, 'home-support': 6.5, payShare: 70, nlwOldPence: 1271, nlwNewPence: 1321 })
  })

  it('names the form’s own fields when something is wrong, as typed or as the scenario’s rules say', () => {
    expect(errorsOf({ 'build-default': 'five', 'build-nlwOld': 'x' })).toEqual([
      { field: 'build-default', message: 'Enter a percentage as a number, like 4.55' },
      { field: 'build-nlwOld', message: 'Enter the National Living Wage an hour in pounds, like 12.71' },
    ])
    const rules = errorsOf({ 'build-default': '-2', 'build-nlwOld': '12.71' })
    expect(rules.map((e) => e.field)).toEqual(expect.arrayContaining(['build-default']))
    // Every sector needs an uplift: with nothing given, each sector's own field is named.
    expect(errorsOf({}).map((e) => e.field)).toContain('build-home-support')
  })

  it('fills the form back from a scenario it can say, and not from one only JSON can say', () => {
    expect(formFromScenario('{"default": 5, "nlwOldPence": 1271, "nlwNewPence": 1321}')).toEqual({
      'build-default': '5',
      'build-nlwOld': '12.71',
      'build-nlwNew': '13.21',
    })
    expect(formFromScenario('{"older-people-nursing": {"weeklyRatePence": 90000}}')).toBeNull()
    expect(formFromScenario('not json')).toBeNull()
  })
})
