/** Keeps the first `limit` bytes written to it and counts the rest, so memory stays bounded. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = []
  private kept = 0
  dropped = 0

  constructor(readonly limit: number) {}

  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    const room = this.limit - this.kept
    if (room >= bytes.length) {
      this.chunks.push(bytes)
      this.kept += bytes.length
      return
    }
    if (room > 0) {
      // Copy the slice, so the rest of a large chunk can be collected.
      this.chunks.push(Buffer.from(bytes.subarray(0, room)))
      this.kept += room
    }
    this.dropped += bytes.length - Math.max(room, 0)
  }

  get truncated(): boolean {
    return this.dropped > 0
  }

  text(): string {
    return Buffer.concat(this.chunks, this.kept).toString('utf8')
  }
}
