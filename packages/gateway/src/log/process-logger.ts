/**
 * The logger options of `umf-gateway serve`: pino's JSON lines on stdout (LOG_FORMAT=json), or the
 * same records rewritten one readable line each (LOG_FORMAT=pretty: pretty-log.ts), coloured when
 * stdout is a terminal. Redaction is the app's (app.ts loggerOptions) and applies to both.
 */
import { prettyLogStream, type LogStream } from './pretty-log.ts';

export interface ProcessLoggerSettings {
  readonly level: string;
  readonly format: 'pretty' | 'json';
  /** Where the log goes (process.stdout). */
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
}

/** JSON: pino's own destination (fd 1, buffered); pretty: a stream that rewrites each record to `stdout`. */
export function processLoggerOptions(settings: ProcessLoggerSettings): { level: string; stream?: LogStream } {
  if (settings.format === 'json') return { level: settings.level };
  const { stdout } = settings;
  return {
    level: settings.level,
    stream: prettyLogStream({ write: (text) => void stdout.write(text), color: stdout.isTTY === true }),
  };
}
