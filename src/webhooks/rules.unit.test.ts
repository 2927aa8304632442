import { createHmac, timingSafeEqual } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { eventTypeOfStatus, webhookRetryDelayMs, webhookSignature } from './rules.ts'

describe('webhook rules', () => {
  it('names the events of request statuses, and none for a draft', () => {
    expect(eventTypeOfStatus('published')).toBe('request.published')
    expect(eventTypeOfStatus('started')).toBe('package.started')
    expect(eventTypeOfStatus('draft')).toBeNull()
  })

  it('signs "<timestamp>.<body>" with HMAC-SHA256, as a receiver checks it', () => {
    const signature = webhookSignature('s3cret', 1700000000, '{"a":1}')
    const expected = `sha256=${createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex')}`
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true)
  })

  it('backs off exponentially with jitter, up to two hours', () => {
    expect(webhookRetryDelayMs(1, 0.5)).toBe(30_000)
    expect(webhookRetryDelayMs(2, 0.5)).toBe(60_000)
    expect(webhookRetryDelayMs(1, 0)).toBe(22_500)
    expect(webhookRetryDelayMs(1, 0.999)).toBeLessThan(37_500)
    expect(webhookRetryDelayMs(40, 0.5)).toBe(2 * 60 * 60_000)
  })
})
