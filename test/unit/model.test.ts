import { describe, expect, it } from 'vitest'
import { parseConfig, loadConfig } from '../../src/config/load.js'
import { parseInput, ValidationError } from '../../src/errors.js'
import { evaluateCondition, getPath } from '../../src/model/condition.js'
import { createEventSchema, matchesPattern } from '../../src/model/event.js'
import { registerListenerSchema } from '../../src/model/handler.js'
import { resolveRetryPolicy, retryDelayMs, retryPolicySchema } from '../../src/model/retry-policy.js'
import { renderTemplate } from '../../src/model/template.js'

describe('event types and patterns follow NATS subject rules', () => {
  it('accepts dot-separated tokens and refuses spaces, empty tokens and wildcards in a type', () => {
    for (const ok of ['user.signup', 'a', 'order_v2.created-now', 'A.B.C']) expect(parseInput(createEventSchema, { type: ok }).type).toBe(ok)
    for (const bad of ['user signup', 'user..signup', '.user', 'user.', 'user.*', 'user.>', '']) {
      expect(() => parseInput(createEventSchema, { type: bad })).toThrow(/^type: /)
    }
  })

  it('matches * to one token and a final > to one or more', () => {
    expect(matchesPattern('user.*', 'user.signup')).toBe(true)
    expect(matchesPattern('user.*', 'user.profile.updated')).toBe(false)
    expect(matchesPattern('user.>', 'user.profile.updated')).toBe(true)
    expect(matchesPattern('user.>', 'user')).toBe(false)
    expect(matchesPattern('*.created', 'order.created')).toBe(true)
    expect(matchesPattern('>', 'anything.at.all')).toBe(true)
    expect(matchesPattern('order.created', 'order.created')).toBe(true)
  })

  it('refuses a pattern with > anywhere but last', () => {
    expect(() => parseInput(registerListenerSchema, { event_pattern: 'a.>.b', executor_type: 'command' })).toThrow(/event_pattern/)
  })
})

describe('conditions', () => {
  const event = { data: { amount: 150, tier: 'gold', tags: ['a'], nested: { ok: true } }, type: 'order.created' }
  const cases: [string, unknown, boolean][] = [
    ['eq', 150, true], ['neq', 150, false], ['gt', 100, true], ['gte', 150, true], ['lt', 100, false], ['lte', 150, true],
    ['in', [100, 150], true], ['nin', [100, 150], false],
  ]
  for (const [operator, value, expected] of cases) {
    it(`${operator} ${JSON.stringify(value)} on data.amount is ${expected}`, () => {
      expect(evaluateCondition({ field: 'data.amount', operator: operator as 'eq', value }, event)).toBe(expected)
    })
  }
  it('exists, regex, nested paths, and unlike types compare false rather than throw', () => {
    expect(evaluateCondition({ field: 'data.nested.ok', operator: 'exists' }, event)).toBe(true)
    expect(evaluateCondition({ field: 'data.missing', operator: 'exists' }, event)).toBe(false)
    expect(evaluateCondition({ field: 'data.tier', operator: 'regex', value: '^go' }, event)).toBe(true)
    expect(evaluateCondition({ field: 'data.tier', operator: 'gt', value: 5 }, event)).toBe(false)
    expect(getPath(event, 'data.tags.0')).toBe('a')
  })
})

describe('retry policy delays', () => {
  const defaults = { maxRetries: 3, retryDelayMs: 1000 }
  it('fills unset fields from processing defaults: maxRetries counts retries, not attempts', () => {
    expect(resolveRetryPolicy(undefined, defaults)).toMatchObject({ strategy: 'exponential', max_attempts: 4, initial_delay_ms: 1000 })
  })
  it('computes fixed, linear and exponential delays, capped by max_delay_ms', () => {
    const p = (strategy: 'fixed' | 'linear' | 'exponential') => resolveRetryPolicy(retryPolicySchema.parse({ strategy, initial_delay_ms: 100, max_delay_ms: 1000 }), defaults)
    expect([2, 3, 4].map((n) => retryDelayMs(p('fixed'), n))).toEqual([100, 100, 100])
    expect([2, 3, 4].map((n) => retryDelayMs(p('linear'), n))).toEqual([100, 200, 300])
    expect([2, 3, 4, 6].map((n) => retryDelayMs(p('exponential'), n))).toEqual([100, 200, 400, 1000])
  })
  it('keeps jitter within its fraction of the delay', () => {
    const policy = resolveRetryPolicy(retryPolicySchema.parse({ strategy: 'fixed', initial_delay_ms: 1000, jitter: 0.5 }), defaults)
    expect(retryDelayMs(policy, 2, () => 0)).toBe(500)
    expect(retryDelayMs(policy, 2, () => 1)).toBe(1500)
  })
})

describe('templates', () => {
  it('keeps the JSON type of a whole-value template and substitutes text inside strings', () => {
    const ctx = { event: { data: { n: 3, list: [1, 2], name: 'ann' } } }
    expect(renderTemplate('{{event.data.n}}', ctx)).toBe(3)
    expect(renderTemplate({ a: ['{{ event.data.list }}'] }, ctx)).toEqual({ a: [[1, 2]] })
    expect(renderTemplate('hi {{event.data.name}} x{{event.data.missing}}', ctx)).toBe('hi ann x')
  })
})

describe('configuration', () => {
  it('defaults every key as the module description has it', () => {
    const c = parseConfig({})
    expect(c.events.processing).toEqual({ maxConcurrentEvents: 100, retryDelayMs: 1000, maxRetries: 3 })
    expect(c.events.scheduling).toEqual({ checkIntervalMs: 10000, timezone: 'UTC' })
    expect(c.events.executors.command).toMatchObject({ enabled: true, maxConcurrency: 10, defaultTimeoutMs: 30000 })
    expect(c.events.executors.workflow).toMatchObject({ enabled: true, maxConcurrency: 20, checkpointEnabled: true })
  })
  it('refuses unknown keys with their path, a bad time zone, and checkpointEnabled false', () => {
    expect(() => parseConfig({ events: { executors: { ftp: {} } } })).toThrow(/events\.executors\.ftp: unknown key/)
    expect(() => parseConfig({ events: { scheduling: { timezone: 'Mars/Olympus' } } })).toThrow(/timezone: not a valid IANA/)
    expect(() => parseConfig({ events: { executors: { workflow: { checkpointEnabled: false } } } })).toThrow(/checkpointEnabled: false is not supported/)
  })
  it('applies environment overrides over the file, and validates them', () => {
    const c = loadConfig({ path: undefined, env: { SP_MAX_RETRIES: '7', SP_TIMEZONE: 'Europe/London' } })
    expect(c.events.processing.maxRetries).toBe(7)
    expect(c.events.scheduling.timezone).toBe('Europe/London')
    expect(() => loadConfig({ env: { SP_MAX_RETRIES: 'many' } })).toThrow(ValidationError)
  })
})
