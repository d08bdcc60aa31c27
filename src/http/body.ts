import type { IncomingMessage } from 'node:http'

export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' | 'aborted' }

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit is
 * refused before reading anything; a body that grows past it (chunked) stops being read at once.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ ok: false, reason: 'too_large' })
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (result: BodyResult) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort)
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.pause()
        finish({ ok: false, reason: 'too_large' })
      } else chunks.push(chunk)
    }
    const onEnd = () => finish({ ok: true, bytes: Buffer.concat(chunks, size) })
    const onAbort = () => finish({ ok: false, reason: 'aborted' })
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort)
  })
}
