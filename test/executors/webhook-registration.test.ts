import { describe, expect, it } from 'vitest'
import { UnsupportedError, ValidationError } from '../../src/errors.js'
import { createWebhookExecutor } from '../../src/executors/webhook.js'
import { webhookOptions } from './helpers.js'

function field(run: () => unknown): string {
  try {
    run()
  } catch (err) {
    if (err instanceof ValidationError) return err.field
    throw err
  }
  throw new Error('expected a ValidationError')
}

describe('webhook executor: registration', () => {
  const executor = createWebhookExecutor(webhookOptions())

  it('names the field at fault inside configuration', () => {
    expect(field(() => executor.validateConfig({}))).toBe('configuration.url')
    expect(field(() => executor.validateConfig({ url: 'ftp://example.com/' }))).toBe('configuration.url')
    expect(field(() => executor.validateConfig({ url: 'https://user:pw@example.com/' }))).toBe('configuration.url')
    expect(field(() => executor.validateConfig({ url: 'https://example.com/', method: 'TRACE' }))).toBe('configuration.method')
    expect(field(() => executor.validateConfig({ url: 'https://example.com/', secret: 'plain' }))).toBe('configuration.secret')
    expect(field(() => executor.validateConfig({ url: 'https://example.com/', auth: { type: 'digest' } }))).toBe('configuration.auth.type')
    expect(field(() => executor.validateConfig({ url: 'https://example.com/', headers: { 'webhook-id': 'x' } }))).toBe('configuration.headers')
    expect(field(() => executor.validateConfig({ url: 'https://example.com/', method: 'GET', body: 'x' }))).toBe('configuration.body')
    expect(field(() => executor.validateConfig({ url: 'https://example.com/{{event.data.}}' }))).toBe('configuration.url')
    expect(field(() => executor.validateConfig({ url: 'https://example.com/', retries: 3 }))).toBe('configuration.retries')
  })

  it('accepts a full configuration and fills the method', () => {
    const config = executor.validateConfig({
      url: 'https://hooks.example.com/{{event.data.tenant}}',
      headers: { 'X-Tenant': '{{event.data.tenant}}' },
      auth: { type: 'bearer', token: 't' },
      timeout_ms: 5000,
      max_response_bytes: 1024,
    })
    expect(config.method).toBe('POST')
  })

  it('refuses every webhook handler when executors.webhook.enabled is false', () => {
    const disabled = createWebhookExecutor(webhookOptions({ enabled: false }))
    expect(() => disabled.validateConfig({ url: 'https://example.com/' })).toThrow(UnsupportedError)
    expect(() => disabled.validateConfig({ url: 'https://example.com/' })).toThrow('executors.webhook.enabled is false in config/modules.json')
  })
})
