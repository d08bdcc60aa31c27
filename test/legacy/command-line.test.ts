import { describe, expect, it } from 'vitest'
import { splitCommandLine } from '../../src/legacy/command-line.js'

describe('a legacy command line splits into arguments, or is named as needing a shell', () => {
  it.each([
    ['echo hello', ['echo', 'hello']],
    ["echo 'daily report' --verbose", ['echo', 'daily report', '--verbose']],
    ['tar -czf "/backups/my site.tgz" /var/www', ['tar', '-czf', '/backups/my site.tgz', '/var/www']],
    ['printf "a\\"b" c\\ d', ['printf', 'a"b', 'c d']],
    ["echo ''", ['echo', '']],
    ['ls -d "/var/lib/app/*.tmp"', ['ls', '-d', '/var/lib/app/*.tmp']],
    ["grep 'a|b' file", ['grep', 'a|b', 'file']],
    ['curl -d key=value https://example.com', ['curl', '-d', 'key=value', 'https://example.com']],
  ])('splits %j', (line, argv) => {
    expect(splitCommandLine(line)).toEqual({ kind: 'argv', argv })
  })

  it.each([
    ['cat log | grep error', 'pipe'],
    ['echo hi > out.txt', 'redirect ">"'],
    ['sort < in.txt', 'redirect "<"'],
    ['make && make install', '"&&"'],
    ['cd /tmp; ls', '";"'],
    ['echo $(date)', '$(...)'],
    ['echo `date`', 'backtick'],
    ['echo "$HOME"', '"$" expansion'],
    ['rm /tmp/*.tmp', 'glob "*"'],
    ['FOO=bar run', 'variable assignment'],
    ['ls ~/data', 'home directory'],
  ])('names the shell syntax in %j', (line, feature) => {
    const result = splitCommandLine(line)
    expect(result.kind).toBe('shell')
    expect(result.kind === 'shell' && result.features.join(' ')).toContain(feature)
  })

  it('refuses an unterminated quote and an empty line', () => {
    expect(splitCommandLine('echo "oops')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('unterminated double quote') })
    expect(splitCommandLine('   ')).toMatchObject({ kind: 'invalid' })
  })
})
