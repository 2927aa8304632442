import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { Database } from '../db/connection.ts'
import { loadServiceSecret } from './service.ts'

/**
 * Encrypts secrets Caremarket must read back (TOTP secrets, identity providers' client secrets)
 * with AES-256-GCM under a key the service made for itself (loadServiceSecret). A copy of the
 * tables that hold them, such as an export or a leaked query result, does not give them away.
 */
export interface SecretBox {
  seal(plain: string): string
  open(sealed: string): string
}

const VERSION = 'v1'

function createSecretBox(serviceSecret: string): SecretBox {
  // The stored service secret is 32 random bytes as base64url; hashing makes any string a 256-bit key.
  const key = createHash('sha256').update(serviceSecret).digest()
  return {
    seal(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return [VERSION, iv, cipher.getAuthTag(), body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.')
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.')
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed secret')
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      )
    },
  }
}

const boxes = new WeakMap<Database, Promise<SecretBox>>()

/** The service's secret box, made once per database from the key every instance shares. */
export function secretBoxOf(db: Database): Promise<SecretBox> {
  let box = boxes.get(db)
  if (!box) {
    box = loadServiceSecret(db, 'secret-encryption').then(createSecretBox)
    // A failure (the database was down) is not remembered: the next call tries again.
    box.catch(() => boxes.delete(db))
    boxes.set(db, box)
  }
  return box
}
