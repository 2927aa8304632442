import { describe, expect, it } from 'vitest'
import { parseInput } from '../../errors.ts'
import {
  accreditedServiceSchema,
  councilId,
  entryChanges,
  nextCouncilId,
  type StoredAccreditedService,
} from './rules.ts'

describe('council-issued IDs', () => {
  it('always carry the council prefix, so they can never be CQC’s', () => {
    expect(councilId('ds-042')).toBe('CA-DS-042')
    expect(councilId(' CA-DS-042 ')).toBe('CA-DS-042')
    expect(councilId('1-123456789')).toBe('CA-1-123456789')
    expect(councilId('has space')).toBeNull()
    expect(councilId('')).toBeNull()
  })

  it('issue the next number in a series after the highest taken', () => {
    expect(nextCouncilId('S', [])).toBe('CA-S000001')
    expect(nextCouncilId('S', ['CA-S000007', 'CA-S000002', 'CA-DS-9', 'CA-P000050'])).toBe('CA-S000008')
  })
})

describe('an accredited service’s entry', () => {
  const entry = {
    serviceId: 'ds-1',
    organisationId: 'org-1',
    organisationName: 'Trust',
    kind: 'day_opportunities',
    name: 'Centre',
    address: '1 Road',
    postcode: 'nr1 3qe',
    serviceTypes: 'Day opportunities; day_opportunities',
    specialisms: '',
    clientGroups: 'older_people',
    criteriaMet: 'Safeguarding policy and lead;insurance',
    accreditedFrom: '01/04/2026',
    accreditedTo: '2027-03-31',
    accreditedBy: 'Panel',
  }

  it('reads a spreadsheet’s cells as the form’s fields: labels or codes, British dates', () => {
    expect(parseInput(accreditedServiceSchema, entry)).toMatchObject({
      serviceId: 'CA-DS-1',
      organisationId: 'CA-ORG-1',
      postcode: 'NR1 3QE',
      serviceTypes: ['day_opportunities'],
      specialisms: [],
      criteriaMet: ['safeguarding', 'insurance'],
      accreditedFrom: '2026-04-01',
    })
  })

  it('changes the register only when something differs', () => {
    const parsed = parseInput(accreditedServiceSchema, entry)
    const stored: StoredAccreditedService = {
      organisationId: 'CA-ORG-1',
      organisationName: 'Trust',
      kind: 'day_opportunities',
      name: 'Centre',
      address: '1 Road',
      postcode: 'NR1 3QE',
      serviceTypes: ['day_opportunities'],
      specialisms: [],
      clientGroups: ['older_people'],
      active: true,
      accreditation: {
        criteriaMet: ['insurance', 'safeguarding'],
        accreditedTo: '2027-03-31',
        accreditedBy: 'Panel',
      },
    }
    expect(entryChanges(stored, parsed)).toBe(false)
    expect(entryChanges({ ...stored, active: false }, parsed)).toBe(true)
    expect(entryChanges({ ...stored, accreditation: null }, parsed)).toBe(true)
    expect(
      entryChanges(
        {
          ...stored,
          accreditation: {
            criteriaMet: ['insurance', 'safeguarding'],
            accreditedBy: 'Panel',
            accreditedTo: '2028-03-31',
          },
        },
        parsed,
      ),
    ).toBe(true)
  })
})
