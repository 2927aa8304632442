import { describe, expect, it } from 'vitest'
import {
  findIdentifiers,
  foldForComparison,
  type IdentifyingDetails,
  REMOVED,
  redactCaseReferences,
  redactOwnIdentifiers,
  suspectedIdentifiers,
  textParts,
} from './identifiers.ts'
import { previewProviderText, suspectedIdentifiersSummary } from './provider-text.ts'

const winifred: IdentifyingDetails = {
  name: 'Winifred Applethwaite',
  dateOfBirth: '1938-04-17',
  postcode: 'NR3 1QX',
  nhsNumber: '9434765919',
}

const sian: IdentifyingDetails = {
  name: 'Siân Zoë José O’Neill-Brady',
  dateOfBirth: '1941-03-09',
  postcode: 'NR2 4TE',
  nhsNumber: '4010232137',
}

/** What is left of each written form, as compared: nothing of it may be there. */
function expectGone(person: IdentifyingDetails, written: string): void {
  const text = `Before «${written}» after.`
  const redacted = redactOwnIdentifiers(text, person)
  expect(redacted, `“${written}”`).toBe(`Before «${REMOVED}» after.`)
}

describe('the person’s contact details', () => {
  const reachable: IdentifyingDetails = {
    ...winifred,
    phone: '01632 960 123',
    addressLine1: '14 Quayside Terrace',
    representative: { name: 'Marjorie Holloway', phone: '+44 7700 900456', email: 'marj@example.org' },
  }

  it('takes their phone, address and representative out of what providers read before award', () => {
    for (const written of [
      '01632 960 123',
      '01632960123',
      '14 Quayside Terrace',
      '14 quayside terrace',
      '07700 900456',
      'Marjorie Holloway',
      'marj@example.org',
    ])
      expectGone(reachable, written)
    expect(redactOwnIdentifiers('Call Marjorie before visiting.', reachable)).toBe(
      'Call [removed] before visiting.',
    )
  })

  it('leaves alone what only looks like them', () => {
    expect(redactOwnIdentifiers('Lives near the quayside, on a terrace.', reachable)).toBe(
      'Lives near the quayside, on a terrace.',
    )
  })
})

describe('the person’s own identifiers', () => {
  it('takes them out of free text, however they were typed', () => {
    const text =
      'Mrs Applethwaite (Winifred) lives at NR3 1QX, nr31qx; NHS 943 476 5919, 9434765919; born 17/04/1938, 17 April 1938 or 1938-04-17.'
    expect(redactOwnIdentifiers(text, winifred)).toBe(
      'Mrs [removed] ([removed]) lives at [removed], [removed]; NHS [removed], [removed]; born [removed], [removed] or [removed].',
    )
    expect(redactOwnIdentifiers('Needs help with washing in NR3.', winifred)).toBe(
      'Needs help with washing in NR3.',
    )
  })

  it('finds name parts ending in a letter beyond ASCII, and the parts of hyphenated and apostrophe surnames', () => {
    for (const written of [
      'Siân',
      'Zoë',
      'José',
      'Brady',
      'Neill',
      'O’Neill',
      "O'Neill",
      'O’Neill-Brady',
      'ONeill',
      'O Neill',
      'Neill-Brady',
      'Neill Brady',
      'Siân O’Neill',
      "Siân O'Neill",
      'SIÂN ZOË JOSÉ O’NEILL-BRADY',
      'Sian',
      'Zoe',
      'Jose',
      'Sia\u0302n',
      'Zoe\u0308',
      'J. O’Neill',
      'N. Brady',
      'Brady’s',
    ]) {
      if (written.endsWith('’s')) {
        expect(redactOwnIdentifiers(`Ask ${written} son`, sian)).toBe(`Ask ${REMOVED}’s son`)
      } else {
        expectGone(sian, written)
      }
    }
  })

  it('takes the whole language field when it is the name, not all but the last word', () => {
    expect(redactOwnIdentifiers("Siân O'Neill", sian)).toBe(REMOVED)
    expect(redactOwnIdentifiers('Welsh', sian)).toBe('Welsh')
  })

  it('finds the date of birth in the forms people write it', () => {
    const person = { ...winifred, dateOfBirth: '1938-04-17' }
    for (const written of [
      'April 17, 1938',
      'april 17 1938',
      'Apr 17th, 1938',
      '17th of April 1938',
      '17th April 1938',
      '17 Apr 38',
      "17 Apr '38",
      '17-Apr-1938',
      '17.Apr.1938',
      '17Apr1938',
      'APRIL 17, 1938',
      '1938/04/17',
      '1938.4.17',
      '1938 Apr 17',
      '17/04/1938',
      '17/4/38',
      '17.04.1938',
      '17 04 1938',
      '17 - 04 - 1938',
      '17\\04\\1938',
      '04/17/1938',
      '17041938',
      '170438',
      '19380417',
      '04171938',
      'April 1938',
      '１７/０４/１９３８',
    ])
      expectGone(person, written)
    const march = { ...winifred, dateOfBirth: '1941-03-09' }
    for (const written of [
      '9-Mar-1941',
      '09031941',
      '9 Mar 41',
      'Mar 9th 1941',
      'March 9, 1941',
      '9th March 1941',
      '09/03/1941',
      '9/3/41',
      '1941-03-09',
      '3/9/1941',
    ])
      expectGone(march, written)
    const september = { ...winifred, dateOfBirth: '1950-09-02' }
    for (const written of ['2 Sept 1950', 'Sep 2nd, 1950', '2nd of September 1950'])
      expectGone(september, written)
  })

  it('finds the NHS number and postcode with any separators, or none, in full-width digits too', () => {
    for (const written of [
      '943 476 5919',
      '943-476-5919',
      '943.476.5919',
      '943/476/5919',
      '943 - 476 - 5919',
      '9434765919',
      '94347 65919',
      '９４３ ４７６ ５９１９',
      '943\u00A0476\u00A05919',
    ])
      expectGone(winifred, written)
    for (const written of [
      'NR3 1QX',
      'NR3-1QX',
      'nr31qx',
      'NR3  1QX',
      'N R 3 1 Q X',
      'ＮＲ３ １ＱＸ',
      'NR3–1QX',
    ])
      expectGone(winifred, written)
  })

  it('takes out a preferred postcode that is not the person’s', () => {
    expect(redactOwnIdentifiers('Near NR1-3AB', { ...winifred, preferredPostcode: 'NR1 3AB' })).toBe(
      `Near ${REMOVED}`,
    )
  })

  it('keeps everything else exactly as typed, accents and line breaks included', () => {
    const text = 'Café trips on Tuesdays.\r\nWinifred’s crème brûlée; José the neighbour calls.'
    expect(redactOwnIdentifiers(text, winifred)).toBe(
      'Café trips on Tuesdays.\r\n[removed]’s crème brûlée; José the neighbour calls.',
    )
  })

  it('takes out whole words only, and never a particle, title or initial on its own', () => {
    const person = { ...winifred, name: 'Jo van der Berg' }
    expect(
      redactOwnIdentifiers(
        'The van will bring a job lot; de facto, Jo’s sister and the Van der Berg family.',
        person,
      ),
    ).toBe('The van will bring a job lot; de facto, [removed]’s sister and the [removed] family.')
    const al = { ...winifred, name: 'Al Smith' }
    expect(redactOwnIdentifiers('Al also likes Alan and smithing; Smith', al)).toBe(
      '[removed] also likes Alan and smithing; [removed]',
    )
    const particle = { ...winifred, name: 'Ahmed al-Rashid' }
    expect(redactOwnIdentifiers('al fresco with al-Rashid, or Al Rashid', particle)).toBe(
      `al fresco with ${REMOVED}, or ${REMOVED}`,
    )
    const titled = { ...winifred, name: 'Mrs Mary Ann Jones' }
    expect(redactOwnIdentifiers('Mrs Smith visits Mary; Mrs Jones', titled)).toBe(
      'Mrs Smith visits [removed]; Mrs [removed]',
    )
  })

  it('takes out a name that is a common word when it is the person’s name', () => {
    const person = { ...winifred, name: 'May Mark' }
    expect(redactOwnIdentifiers('She may mark the day.', person)).toBe('She [removed] the day.')
  })

  it('folds case, accents and ligatures for comparison only', () => {
    expect(foldForComparison('ＳＴＲＡＵß Søren Œuvre ﬁne İ')).toBe('strauss soren oeuvre fine i')
    expect(redactOwnIdentifiers('Strauss and STRAUSS', { ...winifred, name: 'Johann Strauß' })).toBe(
      `${REMOVED} and ${REMOVED}`,
    )
    expect(redactOwnIdentifiers('Soren called', { ...winifred, name: 'Søren Kierkegaard' })).toBe(
      `${REMOVED} called`,
    )
  })
})

describe('anyone’s identifiers', () => {
  const kindsIn = (text: string) =>
    suspectedIdentifiers(text, winifred).map((f) => [f.kind, text.slice(f.start, f.end)])

  it('flags phone numbers in UK forms', () => {
    for (const phone of [
      '07700 900123',
      '07700-900-123',
      '07700900123',
      '+44 7700 900123',
      '+447700900123',
      '+44 (0)7700 900123',
      '0044 7700 900123',
      '01603 123456',
      '(01603) 123456',
      '020 7946 0000',
      '0303 123 4567',
      '0800 123 4567',
    ])
      expect(kindsIn(`Call ${phone} today`), phone).toEqual([['phone', phone]])
  })

  it('flags email addresses, ten-digit numbers, dates, full postcodes and titled names', () => {
    expect(kindsIn('Write to j.o’brien+care@example.co.uk.')).toEqual([
      ['email', 'j.o’brien+care@example.co.uk'],
    ])
    expect(kindsIn('Write to jo.smith@example.org.')).toEqual([['email', 'jo.smith@example.org']])
    for (const nhs of ['401 023 2137', '401-023-2137', '401.023.2137', '401/023/2137', '4010232137'])
      expect(kindsIn(`Husband’s NHS no. ${nhs}.`), nhs).toEqual([['nhs_number_like', nhs]])
    for (const date of [
      '12/05/1950',
      '12.5.50',
      '1950-05-12',
      '12 May 1950',
      '12th of May, 1950',
      'May 12, 1950',
      '12-May-50',
      '12051950',
      '19500512',
    ])
      expect(kindsIn(`Husband born ${date}.`), date).toEqual([['date', date]])
    expect(kindsIn('Daughter lives at NR2 4TE or nr24te')).toEqual([
      ['full_postcode', 'NR2 4TE'],
      ['full_postcode', 'nr24te'],
    ])
    expect(kindsIn('Mrs Smith and Dr A. Patel know her')).toEqual([
      ['titled_name', 'Mrs Smith'],
      ['titled_name', 'Dr A. Patel'],
    ])
  })

  it('does not flag ordinary numbers, times, prices, districts or dates without a year', () => {
    for (const text of [
      'Visits at 07.30 45 minutes long, 2 carers, 4 times a day.',
      'Budget £1,050.50 a week; 3.5 hours; 10-12 noon.',
      'Lives in NR3; start on 3 March; room 12.',
      'Takes 500 mg twice a day, 28 days.',
    ])
      expect(kindsIn(text), text).toEqual([])
  })

  it('never counts the person’s own as suspected: those are taken out', () => {
    const text = 'Mrs Applethwaite, 943 476 5919, born 17/04/1938, NR3 1QX; Mrs Smith 07700 900123'
    expect(findIdentifiers(text, winifred).map((f) => [f.kind, f.own, text.slice(f.start, f.end)])).toEqual([
      ['name', true, 'Applethwaite'],
      ['nhs_number', true, '943 476 5919'],
      ['date_of_birth', true, '17/04/1938'],
      ['postcode', true, 'NR3 1QX'],
      ['titled_name', false, 'Mrs Smith'],
      ['phone', false, '07700 900123'],
    ])
  })

  it('gives the text as providers read it, in parts, with what each highlighted part is', () => {
    expect(textParts('Winifred’s son: 07700 900123.', winifred)).toEqual([
      { text: REMOVED, identifier: { kind: 'name', own: true, label: 'the person’s name' } },
      { text: '’s son: ', identifier: null },
      { text: '07700 900123', identifier: { kind: 'phone', own: false, label: 'a phone number' } },
      { text: '.', identifier: null },
    ])
  })
})

describe('the text providers read', () => {
  it('previews each field that has text and says what to check, without repeating it', () => {
    const previews = previewProviderText(
      {
        needsSummary: 'Winifred needs help; son on 07700 900123, born 1/2/1960.',
        language: '',
        notesForProviders: 'Email jo@example.org',
      },
      winifred,
    )
    expect(previews.map((p) => [p.field, p.label, p.suspected, p.removed])).toEqual([
      ['needsSummary', 'Needs', ['phone', 'date'], 1],
      ['notesForProviders', 'Notes for providers', ['email'], 0],
    ])
    const summary = suspectedIdentifiersSummary(previews)
    expect(summary).toBe(
      'a phone number and a date in the needs summary and an email address in the notes for providers',
    )
    expect(summary).not.toContain('07700')
    expect(
      suspectedIdentifiersSummary(
        previewProviderText({ needsSummary: 'Winifred', language: null, notesForProviders: '' }, winifred),
      ),
    ).toBeNull()
  })
})

describe('the council’s case-system IDs', () => {
  const referenced = { ...winifred, personRef: 'MOS-40771', caseRef: 'SA 9981/B' }

  it('are taken out of text providers read however they are spaced, punctuated or cased', () => {
    for (const written of [
      'MOS-40771',
      'mos 40771',
      'MOS40771',
      'ＭＯＳ４０７７１',
      'SA 9981/B',
      'sa-9981-b',
      'SA9981B',
    ])
      expectGone(referenced, written)
    expect(redactOwnIdentifiers('MOS-407712 and XSA9981B stay', referenced)).toBe(
      'MOS-407712 and XSA9981B stay',
    )
    expect(
      previewProviderText(
        { needsSummary: 'Ref mos 40771.', language: null, notesForProviders: '' },
        referenced,
      )[0],
    ).toMatchObject({ removed: 1, suspected: [] })
  })

  it('are the only thing taken out for the awarded provider, and short ones are left alone', () => {
    expect(redactCaseReferences('Winifred, case SA 9981 / B, agreement mos-40771.', referenced)).toBe(
      `Winifred, case ${REMOVED}, agreement ${REMOVED}.`,
    )
    expect(redactCaseReferences('Room 12 on floor 12', { personRef: '12', caseRef: null })).toBe(
      'Room 12 on floor 12',
    )
    expect(redactCaseReferences('Nothing here', { personRef: null, caseRef: undefined })).toBe('Nothing here')
  })
})
