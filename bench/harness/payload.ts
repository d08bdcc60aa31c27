/** Event data of about 200 bytes of JSON, shaped like an order event, tagged with its sequence number. */
export function payload(seq: number): { seq: number } & Record<string, unknown> {
  return {
    seq,
    order_id: `ord_${seq.toString(36).padStart(8, '0')}`,
    customer: { id: 'cus_4f9a2c71', email: 'ada@example.com' },
    items: [
      { sku: 'SKU-1001', qty: 2, price_cents: 1299 },
      { sku: 'SKU-2040', qty: 1 },
    ],
    currency: 'EUR',
  }
}

/** The sequence number a workload put in its event data. */
export function seqOf(input: unknown): number {
  const seq = (input as { seq?: unknown } | null)?.seq
  return typeof seq === 'number' ? seq : -1
}
