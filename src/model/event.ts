import { z } from 'zod'

export const EVENT_PRIORITIES = ['low', 'normal', 'high', 'critical'] as const
export type EventPriority = (typeof EVENT_PRIORITIES)[number]
/** Larger runs first. */
export const PRIORITY_RANK: Record<EventPriority, number> = { low: 0, normal: 1, high: 2, critical: 3 }

export const TRIGGER_TYPES = ['manual', 'scheduled', 'webhook', 'system', 'api', 'workflow'] as const
export type TriggerType = (typeof TRIGGER_TYPES)[number]

export const EVENT_STATUSES = ['scheduled', 'pending', 'processing', 'completed', 'failed', 'cancelled'] as const
export type EventStatus = (typeof EVENT_STATUSES)[number]

const TOKEN = '[A-Za-z0-9_-]+'
const EVENT_TYPE_RE = new RegExp(`^${TOKEN}(\\.${TOKEN})*$`)
const PATTERN_RE = new RegExp(`^(${TOKEN}|\\*)(\\.(${TOKEN}|\\*))*(\\.>)?$|^>$`)
const EVENT_ID_RE = /^[A-Za-z0-9_.:@+-]{1,200}$/

export const eventTypeSchema = z
  .string()
  .max(200)
  .refine((value) => EVENT_TYPE_RE.test(value), {
    message: 'not a valid subject token sequence: use dot-separated words of letters, digits, "_" and "-", such as "user.signup"',
  })

/** A NATS-style pattern over event types: `*` matches one token, a final `>` matches one or more. */
export const eventPatternSchema = z
  .string()
  .max(200)
  .refine((value) => PATTERN_RE.test(value), {
    message: 'not a valid pattern: dot-separated tokens, "*" for one token, ">" last for the rest, such as "order.*" or "user.>"',
  })

export const eventIdSchema = z.string().refine((value) => EVENT_ID_RE.test(value), {
  message: 'must be 1-200 characters of letters, digits and _ . : @ + -',
})

const jsonRecord = z.record(z.string(), z.unknown())

/** A timestamp given as an ISO-8601 string (with zone), or a Date. */
export const isoTimeSchema = z.union([
  z.date(),
  z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time with a zone, such as 2024-01-01T02:00:00Z' }),
]).transform((value) => (value instanceof Date ? value : new Date(value)))
  .refine((d) => !Number.isNaN(d.getTime()), { message: 'not a valid time' })

export const createEventSchema = z.strictObject({
  id: eventIdSchema.optional(),
  name: z.string().min(1).max(500).optional(),
  type: eventTypeSchema,
  priority: z.enum(EVENT_PRIORITIES).default('normal'),
  data: jsonRecord.default({}),
  metadata: jsonRecord.default({}),
  trigger_type: z.enum(TRIGGER_TYPES).default('api'),
  trigger_id: z.string().max(500).optional(),
  scheduled_at: isoTimeSchema.optional(),
})
export type CreateEventInput = z.input<typeof createEventSchema>
export type CreateEventParsed = z.output<typeof createEventSchema>

/** The body of a message published to `sp.events.<type>`: the createEvent input without its type. */
export const wireEventBodySchema = z.strictObject({
  name: z.string().min(1).max(500).optional(),
  priority: z.enum(EVENT_PRIORITIES).default('normal'),
  data: jsonRecord.default({}),
  metadata: jsonRecord.default({}),
  trigger_type: z.enum(TRIGGER_TYPES).optional(),
  trigger_id: z.string().max(500).optional(),
  created_at: z.string().optional(),
})

export interface EventRecord {
  id: string
  name: string
  type: string
  priority: EventPriority
  data: Record<string, unknown>
  metadata: Record<string, unknown>
  trigger_type: TriggerType
  trigger_id: string | null
  status: EventStatus
  scheduled_at: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
  error: string | null
}

export const listEventsSchema = z.strictObject({
  type: eventTypeSchema.optional(),
  status: z.enum(EVENT_STATUSES).optional(),
  priority: z.enum(EVENT_PRIORITIES).optional(),
  trigger_type: z.enum(TRIGGER_TYPES).optional(),
  created_after: isoTimeSchema.optional(),
  created_before: isoTimeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  order: z.enum(['asc', 'desc']).default('desc'),
})
export type ListEventsFilter = z.input<typeof listEventsSchema>

/** True when `type` matches the NATS-style `pattern`. */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === type) return true
  const p = pattern.split('.')
  const t = type.split('.')
  for (let i = 0; i < p.length; i++) {
    const token = p[i]
    if (token === '>') return t.length > i
    if (i >= t.length) return false
    if (token !== '*' && token !== t[i]) return false
  }
  return p.length === t.length
}
