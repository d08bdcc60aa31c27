import { z } from 'zod'

/** True when `tz` is an IANA time zone name this Node.js knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

export const timeZoneSchema = z.string().refine(isValidTimeZone, {
  message: 'not a valid IANA time zone name, such as "UTC", "Europe/London" or "America/New_York"',
})

const secretSchema = z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must be a Standard Webhooks secret: "whsec_" followed by base64')

const executorBase = {
  enabled: z.boolean().default(true),
  maxConcurrency: z.number().int().min(1).max(10_000),
}

export const configSchema = z.strictObject({
  events: z
    .strictObject({
      processing: z
        .strictObject({
          maxConcurrentEvents: z.number().int().min(1).max(100_000).default(100),
          retryDelayMs: z.number().int().min(0).max(86_400_000).default(1000),
          maxRetries: z.number().int().min(0).max(1000).default(3),
        })
        .prefault({}),
      scheduling: z
        .strictObject({
          checkIntervalMs: z.number().int().min(100).max(3_600_000).default(10_000),
          timezone: timeZoneSchema.default('UTC'),
        })
        .prefault({}),
      executors: z
        .strictObject({
          function: z.strictObject({ ...executorBase, maxConcurrency: executorBase.maxConcurrency.default(100) }).prefault({}),
          webhook: z
            .strictObject({
              ...executorBase,
              maxConcurrency: executorBase.maxConcurrency.default(100),
              defaultTimeoutMs: z.number().int().min(1).max(3_600_000).default(30_000),
              allowPrivateNetworks: z.boolean().default(false),
              allowHosts: z.array(z.string().min(1)).default([]),
              maxResponseBytes: z.number().int().min(0).max(64 * 1024 * 1024).default(64 * 1024),
              followRedirects: z.number().int().min(0).max(20).default(0),
            })
            .prefault({}),
          command: z
            .strictObject({
              ...executorBase,
              maxConcurrency: executorBase.maxConcurrency.default(10),
              defaultTimeoutMs: z.number().int().min(1).max(86_400_000).default(30_000),
              allowedCommands: z.array(z.string().min(1)).optional(),
              maxOutputBytes: z.number().int().min(0).max(256 * 1024 * 1024).default(1024 * 1024),
            })
            .prefault({}),
          workflow: z
            .strictObject({
              ...executorBase,
              maxConcurrency: executorBase.maxConcurrency.default(20),
              checkpointEnabled: z.literal(true, {
                message:
                  'checkpointEnabled: false is not supported: every workflow step is checkpointed so executions survive a crash; remove the key or set it to true',
              }).default(true),
              checkpointKey: z.string().min(1).optional(),
            })
            .prefault({}),
        })
        .prefault({}),
      http: z
        .strictObject({
          port: z.number().int().min(0).max(65_535).optional(),
          host: z.string().default('127.0.0.1'),
          maxBodyBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(1024 * 1024),
          webhooks: z
            .record(
              z.string().regex(/^[A-Za-z0-9_-]+$/, 'a webhook source is one token of letters, digits, "_" and "-"'),
              z.strictObject({
                secret: secretSchema,
                event_type: z.string().optional(),
                headers: z.array(z.string()).optional(),
              }),
            )
            .default({}),
        })
        .prefault({}),
    })
    .prefault({}),
})

export type Config = z.output<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>
