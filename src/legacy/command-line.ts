/**
 * The old scheduler ran each task's `command` through a shell. Ours runs an argument array. A line
 * of plain words and quotes splits into one faithfully; a line that uses the shell (pipes,
 * redirects, `&&`, `;`, substitutions, variables, globs) does not, and is either refused or, when
 * the operator allows it, run explicitly as `/bin/sh -c <line>`.
 */

export type CommandLine =
  | { kind: 'argv'; argv: string[] }
  | { kind: 'shell'; features: string[] }
  | { kind: 'invalid'; reason: string }

const OPERATORS: [string, string][] = [
  ['&&', '"&&"'],
  ['||', '"||"'],
  ['|', 'a pipe "|"'],
  ['>', 'a redirect ">"'],
  ['<', 'a redirect "<"'],
  [';', '";"'],
  ['&', 'a background "&"'],
  ['(', 'a subshell "("'],
  [')', 'a subshell ")"'],
]

/** Splits `line` as a POSIX shell would split plain words and quotes, or names the shell features it uses. */
export function splitCommandLine(line: string): CommandLine {
  const argv: string[] = []
  const features = new Set<string>()
  let word: string | null = null
  let quote: "'" | '"' | null = null
  const push = (text: string) => (word = (word ?? '') + text)

  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quote === "'") {
      if (ch === "'") quote = null
      else push(ch)
      continue
    }
    if (quote === '"') {
      if (ch === '"') quote = null
      else if (ch === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1]!)) push(line[++i]!)
      else {
        if (ch === '`') features.add('a backtick substitution')
        if (ch === '$' && /[({A-Za-z_0-9@*#?$!-]/.test(line[i + 1] ?? '')) features.add(line[i + 1] === '(' ? 'a "$(...)" substitution' : 'a "$" expansion')
        push(ch)
      }
      continue
    }
    if (ch === "'" || ch === '"') {
      quote = ch
      push('')
    } else if (ch === '\\') {
      if (i + 1 >= line.length) return { kind: 'invalid', reason: 'the command line ends with a lone backslash' }
      if (line[i + 1] !== '\n') push(line[i + 1]!)
      i++
    } else if (/\s/.test(ch)) {
      if (word !== null) argv.push(word)
      word = null
    } else if (ch === '`') {
      features.add('a backtick substitution')
    } else if (ch === '$' && /[({A-Za-z_0-9@*#?$!-]/.test(line[i + 1] ?? '')) {
      features.add(line[i + 1] === '(' ? 'a "$(...)" substitution' : 'a "$" expansion')
      push(ch)
    } else if (ch === '#' && word === null) {
      features.add('a "#" comment')
      break
    } else {
      const op = OPERATORS.find(([text]) => line.startsWith(text, i))
      if (op) {
        features.add(op[1])
        i += op[0].length - 1
        if (word !== null) argv.push(word)
        word = null
        continue
      }
      if ('*?['.includes(ch)) features.add(`a glob "${ch}"`)
      if (ch === '~' && word === null) features.add('a "~" home directory')
      if (ch === '=' && argv.length === 0 && word !== null && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) features.add('a variable assignment')
      push(ch)
    }
  }
  if (quote) return { kind: 'invalid', reason: `the command line has an unterminated ${quote === "'" ? 'single' : 'double'} quote` }
  if (word !== null) argv.push(word)
  if (features.size > 0) return { kind: 'shell', features: [...features] }
  if (argv.length === 0) return { kind: 'invalid', reason: 'the command line is empty' }
  return { kind: 'argv', argv }
}

/** The argument array for a line that needs a shell, when the operator allowed it. */
export function shellArgv(line: string): string[] {
  return ['/bin/sh', '-c', line]
}
