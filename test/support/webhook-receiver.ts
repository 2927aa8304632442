// A real HTTP receiver for tests, on 127.0.0.1: checks each webhook's signature as the README tells
// receivers to, in constant time, and answers as the test says.
import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

interface ReceivedWebhook {
  id: string
  timestamp: string
  body: string
  signatureValid: boolean
  answered: number
}

type Answer = { status: number; headers?: Record<string, string> } | 'hang'

export interface WebhookReceiver {
  url: string
  received: ReceivedWebhook[]
  /** The answers to give, in turn; the last is repeated. */
  answers: Answer[]
  close(): Promise<void>
}

function signatureIsValid(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  )
  const given = Buffer.from(header)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const answers: Answer[] = [{ status: 204 }]
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const answer = (answers.length > 1 ? answers.shift() : answers[0]) ?? { status: 204 }
      const timestamp = String(request.headers['caremarket-webhook-timestamp'] ?? '')
      received.push({
        id: String(request.headers['caremarket-webhook-id'] ?? ''),
        timestamp,
        body,
        signatureValid: signatureIsValid(
          secret,
          timestamp,
          body,
          String(request.headers['caremarket-webhook-signature'] ?? ''),
        ),
        answered: answer === 'hang' ? 0 : answer.status,
      })
      if (answer === 'hang') return
      response.writeHead(answer.status, answer.headers).end('a body Caremarket must not keep')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
