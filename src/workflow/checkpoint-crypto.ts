import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'

/** Why a checkpoint cannot be read: the execution is marked failed with this reason, nothing else changes. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CheckpointError'
  }
}

const PREFIX = 'spc1:'
const SALT = 'sp-events/workflow-checkpoint/v1'
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * AES-256-GCM for checkpoints at rest. The 32-byte key is derived once from the configured text
 * with scrypt (fixed salt: the text is the secret). Stored form: `spc1:` + base64(iv | tag | ciphertext);
 * the version prefix lets a later format or key rotation sit beside it.
 */
export class CheckpointCipher {
  private readonly key: Buffer

  constructor(secret: string) {
    this.key = scryptSync(secret, SALT, 32)
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
  }

  open(stored: string): string {
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64')
    if (raw.length < IV_BYTES + TAG_BYTES) throw new CheckpointError('checkpoint failed authentication: it is truncated (tampered with, or damaged)')
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES))
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      throw new CheckpointError('checkpoint failed authentication: it was tampered with, or encrypted with another checkpointKey')
    }
  }
}

export function isEncryptedCheckpoint(stored: string): boolean {
  return stored.startsWith(PREFIX)
}

/** Encrypts when a cipher is configured; plain JSON otherwise. */
export function sealCheckpoint(json: string, cipher: CheckpointCipher | null): string {
  return cipher ? cipher.seal(json) : json
}

/** The checkpoint's JSON text; throws CheckpointError when it cannot be authenticated or no key is configured. */
export function openCheckpoint(stored: string, cipher: CheckpointCipher | null): string {
  if (!isEncryptedCheckpoint(stored)) return stored
  if (!cipher) {
    throw new CheckpointError('checkpoint is encrypted and no key is configured: set events.executors.workflow.checkpointKey (or SP_CHECKPOINT_KEY)')
  }
  return cipher.open(stored)
}
