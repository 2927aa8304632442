import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { caremarketBin, runBinary, runCliWithEnv } from './support/cli.ts'

const dataDirs: string[] = []
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
})

function freshEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(tmpdir(), 'caremarket-cli-'))
  dataDirs.push(dir)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CAREMARKET_DATA_DIR: dir,
    CAREMARKET_PASSWORD_COST_LOG2: '10',
    CAREMARKET_DEMO_WEEKS: '1',
    LOG_LEVEL: 'warn',
  }
  delete env.DATABASE_URL
  return env
}

const run = runBinary

describe('caremarket CLI', () => {
  it('has --help on every command', async () => {
    const env = freshEnv()
    for (const args of [
      [],
      ['serve'],
      ['migrate'],
      ['demo'],
      ['user'],
      ['user', 'add'],
      ['token', 'create'],
    ]) {
      // The binary once, to know it starts; each command's help in process.
      const result = await (args.length === 0 ? run : runCliWithEnv)([...args, '--help'], env)
      expect(result.code, args.join(' ')).toBe(0)
      expect(result.stdout).toContain('Usage: caremarket')
    }
  })

  it('says what was wrong with an invalid argument and exits non-zero', async () => {
    const env = freshEnv()
    const scale = await runCliWithEnv(['demo', '--scale', 'lots'], env)
    expect(scale.code).not.toBe(0)
    expect(scale.stderr).toMatch(/scale/i)
    const unknown = await runCliWithEnv(['frobnicate'], env)
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain("unknown command 'frobnicate'")
    const missing = await runCliWithEnv(['user', 'add', '--council', 'DEMO'], env)
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('--role')
  })

  it('refuses to start when told to trust every proxy, and says what to set instead', async () => {
    const refused = await run(['serve'], { ...freshEnv(), CAREMARKET_TRUST_PROXY: 'true', PORT: '0' })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('CAREMARKET_TRUST_PROXY=true would believe any X-Forwarded-For')
    expect(refused.stderr).toContain('CAREMARKET_TRUST_PROXY=10.0.0.0/8,127.0.0.1')
    expect(refused.stderr).not.toContain('    at ')
  })

  it('migrates, builds the demo, and adds users, printing one JSON document each', async () => {
    const env = freshEnv()
    const migrated = await run(['migrate', '--json'], env)
    expect(migrated.code).toBe(0)
    expect(JSON.parse(migrated.stdout)).toMatchObject({ migrated: true })

    const demo = await run(['demo', '--seed', '7', '--json'], env)
    expect(demo.code, demo.stderr).toBe(0)
    const summary = JSON.parse(demo.stdout) as { councils: { code: string; locations: number }[] }
    expect(summary.councils).toHaveLength(1)
    const code = summary.councils[0]?.code as string
    expect(summary.councils[0]?.locations).toBeGreaterThan(300)

    const added = await run(
      [
        'user',
        'add',
        '--council',
        code,
        '--role',
        'broker',
        '--email',
        'New.Broker@Example.org',
        '--password-stdin',
        '--json',
      ],
      env,
      'a long enough password\n',
    )
    expect(added.code, added.stderr).toBe(0)
    expect(JSON.parse(added.stdout)).toMatchObject({
      email: 'new.broker@example.org',
      role: 'broker',
      council: code,
    })

    const again = await run(
      [
        'user',
        'add',
        '--council',
        code,
        '--role',
        'broker',
        '--email',
        'new.broker@example.org',
        '--password-stdin',
      ],
      env,
      'a long enough password\n',
    )
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')

    const badRole = await run(
      ['user', 'add', '--council', code, '--role', 'wizard', '--email', 'w@example.org', '--password-stdin'],
      env,
      'a long enough password\n',
    )
    expect(badRole.code).toBe(1)
    expect(badRole.stderr).toContain('Choose a role')

    const noCouncil = await run(
      [
        'user',
        'add',
        '--council',
        'NOPE',
        '--role',
        'broker',
        '--email',
        'n@example.org',
        '--password-stdin',
      ],
      env,
      'a long enough password\n',
    )
    expect(noCouncil.code).toBe(1)
    expect(noCouncil.stderr).toContain('No council has the code NOPE')

    const token = await run(['token', 'create', '--council', code, '--role', 'broker', '--json'], env)
    expect(token.code, token.stderr).toBe(0)
    const created = JSON.parse(token.stdout) as { id: number; token: string; role: string }
    expect(created).toMatchObject({ role: 'broker', council: code })
    expect(created.token).toMatch(/^cm_[A-Za-z0-9_-]{40,}$/)
    const providerless = await runCliWithEnv(
      ['token', 'create', '--council', code, '--role', 'provider_user'],
      env,
    )
    expect(providerless.code).toBe(1)
    expect(providerless.stderr).toContain('needs a provider')
    expect(
      (await runCliWithEnv(['token', 'revoke', '--council', code, '--id', String(created.id)], env)).code,
    ).toBe(0)
    const revokedAgain = await runCliWithEnv(
      ['token', 'revoke', '--council', code, '--id', String(created.id)],
      env,
    )
    expect(revokedAgain.code).toBe(1)
    expect(revokedAgain.stderr).toContain(`No active token ${created.id}`)

    const shortPassword = await run(
      ['user', 'add', '--council', code, '--role', 'broker', '--email', 's@example.org', '--password-stdin'],
      env,
      'short\n',
    )
    expect(shortPassword.code).toBe(1)
    expect(shortPassword.stderr).toContain('Password must be 12 characters or more')
  })
})

function startServer(
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [caremarketBin, 'serve'], {
      env: { ...env, PORT: '0', HOST: '127.0.0.1' },
    })
    let output = ''
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000)
    child.stdout.on('data', (d) => {
      output += d
      const match = output.match(/running at (http:\/\/localhost:\d+)/)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve({ child, url: match[1].replace('localhost', '127.0.0.1'), output: () => output })
      }
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)))
  })
}

/** Resolves once the server has printed `text`, whenever that is. */
function waitForOutput(server: { child: ChildProcess; output: () => string }, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!server.output().includes(text)) return
      server.child.stdout?.off('data', onData)
      resolve()
    }
    const onData = () => setImmediate(check)
    server.child.stdout?.on('data', onData)
    server.child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${server.output()}`)))
    check()
  })
}

/** Signs in over real HTTP and returns the cookie header and the next CSRF token. */
async function signInOverHttp(url: string, email: string, password: string) {
  const form = await fetch(`${url}/sign-in`)
  let cookies = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const token = (await form.text()).match(/name="_csrf" value="([^"]+)"/)?.[1] ?? ''
  const response = await fetch(`${url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password }),
  })
  cookies = [cookies, ...response.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ')
  return { status: response.status, cookies, token }
}

describe('caremarket serve', () => {
  it('creates the demo once, finishes requests in flight on SIGTERM, and loses nothing on restart', async () => {
    const env = freshEnv()
    const first = await startServer(env)
    // It answers as soon as the demo council exists: its history is written afterwards.
    expect(first.output()).toContain('Starting Caremarket…')
    expect(first.output()).not.toContain('history is complete')
    expect(first.output()).toContain('Sign in with password')
    expect(first.output()).toMatch(/broker\s+broker@/)
    const health = await fetch(`${first.url}/health`)
    expect(await health.json()).toMatchObject({ status: 'ok', database: { status: 'ok', engine: 'pglite' } })

    // Commit a change through the web UI: a council admin adds a user.
    const adminEmail = first.output().match(/council_admin\s+(\S+@\S+)/)?.[1] as string
    const admin = await signInOverHttp(first.url, adminEmail, 'caremarket-demo')
    expect(admin.status).toBe(303)
    const added = await fetch(`${first.url}/admin/users`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: admin.cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: admin.token,
        email: 'kept@example.org',
        role: 'broker',
      }),
    })
    expect(added.status).toBe(303)

    // The demo history is written in the background and completes; the in-flight check below is
    // about shutting down, so it waits for the history rather than race it.
    await waitForOutput(first, 'The demo council’s history is complete')
    expect(first.output().indexOf('Caremarket is running')).toBeLessThan(
      first.output().indexOf('Filling in the demo council’s history'),
    )

    // A request whose body is still arriving when SIGTERM comes must still be answered.
    const inFlight = new Promise<number>((resolve, reject) => {
      const request = http.request(`${first.url}/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '20' },
      })
      request.on('response', (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      request.on('error', reject)
      request.write('email=a%40b.test')
      setTimeout(() => {
        first.child.kill('SIGTERM')
        setTimeout(() => request.end('&x=1'), 300)
      }, 100)
    })
    const exited = new Promise<number | null>((resolve) => first.child.on('exit', resolve))
    expect(await inFlight).toBe(403)
    expect(await exited).toBe(0)

    const second = await startServer(env)
    expect(second.output()).not.toContain('Sign in with password')
    // The user added (and invited) before the restart is still there.
    const again = await signInOverHttp(second.url, adminEmail, 'caremarket-demo')
    expect(again.status).toBe(303)
    const users = await fetch(`${second.url}/admin/users`, { headers: { cookie: again.cookies } })
    expect(await users.text()).toContain('kept@example.org')
    const stopped = new Promise<number | null>((resolve) => second.child.on('exit', resolve))
    second.child.kill('SIGTERM')
    expect(await stopped).toBe(0)
  })
})
