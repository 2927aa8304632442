import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'
import pLimit from 'p-limit'

// OWASP's recommended scrypt cost: N = 2^17, r = 8, p = 1. The parameters are stored in each
// hash, so the cost can be raised later without breaking existing passwords.
export const DEFAULT_COST_LOG2 = 17
const BLOCK_SIZE = 8
const PARALLELISM = 1
const KEY_LENGTH = 32

// Each hash at N = 2^17 holds 128 MB while it runs. Hashes beyond these wait their turn, so a
// burst of sign-ins (failed ones cost the same) queues instead of exhausting memory.
const MAX_CONCURRENT_HASHES = 2
const hashing = pLimit(MAX_CONCURRENT_HASHES)

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return hashing(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)))
      }),
  )
}

function options(costLog2: number, r: number, p: number): ScryptOptions {
  const N = 2 ** costLog2
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }
}

export async function hashPassword(password: string, costLog2 = DEFAULT_COST_LOG2): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, options(costLog2, BLOCK_SIZE, PARALLELISM))
  return ['scrypt', costLog2, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join(
    '$',
  )
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, costLog2, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !costLog2 || !r || !p || !salt || !key) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await scryptAsync(
    password,
    Buffer.from(salt, 'base64'),
    options(Number(costLog2), Number(r), Number(p)),
  )
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
