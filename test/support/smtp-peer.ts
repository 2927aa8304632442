// A real SMTP peer for tests: mail goes over a socket to smtp-server, as it would to a relay.
import type { AddressInfo } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import type { MailTransport } from '../../src/notifications/sender.ts'

interface ReceivedMail {
  /** Envelope recipients, as the server saw them. */
  to: string[]
  from: string
  parsed: ParsedMail
}

export interface SmtpPeer {
  port: number
  received: ReceivedMail[]
  /** Resolves when the server has received `count` messages in all. */
  waitFor(count: number): Promise<ReceivedMail[]>
  /** A transport that delivers to this peer. */
  transport(): MailTransport
  close(): Promise<void>
}

export async function startSmtpPeer(options: { user?: string; password?: string } = {}): Promise<SmtpPeer> {
  const received: ReceivedMail[] = []
  const waiters: { count: number; resolve: (mail: ReceivedMail[]) => void }[] = []
  const server = new SMTPServer({
    disabledCommands: options.user ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.user,
    logger: false,
    // Clients close their connections after each message; a test need not wait 30 seconds for stragglers.
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password)
        return callback(null, { user: auth.username })
      return callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            parsed,
          })
          for (const waiter of waiters.filter((w) => received.length >= w.count)) {
            waiters.splice(waiters.indexOf(waiter), 1)
            waiter.resolve([...received])
          }
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    port,
    received,
    waitFor: (count) =>
      received.length >= count
        ? Promise.resolve([...received])
        : new Promise((resolve) => waiters.push({ count, resolve })),
    transport: () =>
      nodemailer.createTransport(
        { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
        { from: 'Caremarket <caremarket@council.test>' },
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A local port with nothing listening on it, for a connection that is refused. */
export async function closedPort(): Promise<number> {
  const net = await import('node:net')
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}
