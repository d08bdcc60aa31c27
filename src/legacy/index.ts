/** Importing the old scheduler and workflows modules' data (`sp migrate:legacy`). */
export { importLegacy, type ImportReport, type ImportProblem, type ImportCounts, type ImportOptions } from './import.js'
export { readLegacy, readLegacyFile, openLegacyFile, type LegacyData } from './read-legacy.js'
export { liveSink, drySink, type ImportSink } from './sinks.js'
export { splitCommandLine, type CommandLine } from './command-line.js'
export { LEGACY_KINDS, type LegacyKind } from './plan.js'
