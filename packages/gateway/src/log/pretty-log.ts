/**
 * The `pretty` log format (LOG_FORMAT=pretty, the default on a terminal): pino's JSON records, as
 * the logger wrote them (redaction and serializers already applied: app.ts), rewritten one line
 * each for a person:
 *
 *   14:03:07.412 INFO  request completed reqId=req-1 method=GET url=/cberest/v1/bank status=200 ms=1.8
 *   14:03:09.020 WARN  notification attempt failed notificationId=NTF_... objectType=payment ...
 *
 * Local time HH:MM:SS.mmm, the level (coloured when `color`), the message, then key=value of the
 * useful fields first (request, then notification), then any other field. A completed request line
 * repeats the method and URL of its incoming line (remembered by reqId for the last 1,000 requests).
 * Fields without a value (null) are left out. Values with spaces or quotes are written as JSON
 * strings; errors as `err="Type: message"`.
 */

export interface PrettyLogOptions {
  /** Where the lines go (e.g. `(s) => process.stdout.write(s)`). */
  readonly write: (text: string) => void;
  /** ANSI colours for the level (when the output is a terminal). */
  readonly color: boolean;
}

/** What pino writes to: `write` receives one serialised record (a JSON line) per call. */
export interface LogStream {
  write(line: string): void;
}

const LEVELS: Readonly<Record<number, { readonly name: string; readonly color: string }>> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO', color: '32' },
  40: { name: 'WARN', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

/** Fields shown first, in this order (after the request's method, url, status and ms). */
const FIRST = [
  'notificationId',
  'merchantId',
  'objectType',
  'objectId',
  'url',
  'via',
  'attempt',
  'outcome',
  'status',
  'ms',
  'error',
  'next',
];
/** Fields never shown: the line's own parts, and what every record of the process repeats. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v', 'req', 'res', 'responseTime', 'reqId', 'err']);
const REMEMBERED_REQUESTS = 1000;
/** A value written as it is: printable, no space, quote or backslash (`=` is fine: a key ends at the first). */
const BARE = /^[!#-[\]-~\u00a0-\uffff]+$/;

/** A pino destination that writes the pretty form of each record. */
export function prettyLogStream(options: PrettyLogOptions): LogStream {
  const requests = new Map<string, { method: unknown; url: unknown }>();
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line === '') continue;
        options.write(`${prettyLine(line, options.color, requests)}\n`);
      }
    },
  };
}

/** The pretty form of one JSON record (a line that is not a JSON object is returned as it is). */
export function formatLogRecord(line: string, color = false): string {
  return prettyLine(line, color, new Map());
}

function prettyLine(line: string, color: boolean, requests: Map<string, { method: unknown; url: unknown }>): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const parts: string[] = [timeOf(record.time), levelOf(record.level, color)];
  if (typeof record.msg === 'string' && record.msg !== '') parts.push(record.msg);
  const fields: Array<[string, unknown]> = [];
  const reqId = record.reqId;
  if (reqId !== undefined) fields.push(['reqId', reqId]);
  const req = objectOf(record.req);
  const res = objectOf(record.res);
  let method = req?.method;
  let url = req?.url;
  if (typeof reqId === 'string') {
    if (req) {
      requests.set(reqId, { method, url });
      if (requests.size > REMEMBERED_REQUESTS) requests.delete(requests.keys().next().value as string);
    } else if (res) {
      const seen = requests.get(reqId);
      requests.delete(reqId);
      method = seen?.method;
      url = seen?.url;
    }
  }
  if (method !== undefined) fields.push(['method', method]);
  if (url !== undefined) fields.push(['url', url]);
  if (res?.statusCode !== undefined) fields.push(['status', res.statusCode]);
  if (typeof record.responseTime === 'number') fields.push(['ms', round(record.responseTime)]);
  for (const key of FIRST) if (record[key] != null) fields.push([key, record[key]]);
  for (const [key, value] of Object.entries(record))
    if (!HIDDEN.has(key) && !FIRST.includes(key) && value != null) fields.push([key, value]);
  const err = objectOf(record.err);
  if (err) {
    const type = typeof err.type === 'string' ? `${err.type}: ` : '';
    fields.push(['err', `${type}${typeof err.message === 'string' ? err.message : JSON.stringify(err)}`]);
  }
  for (const [key, value] of fields) parts.push(`${key}=${valueText(value)}`);
  return parts.join(' ');
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function timeOf(time: unknown): string {
  const d = typeof time === 'number' ? new Date(time) : new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${ms}`;
}

function levelOf(level: unknown, color: boolean): string {
  const known = typeof level === 'number' ? LEVELS[level] : undefined;
  const name = (known?.name ?? String(level).toUpperCase()).padEnd(5);
  return color && known ? `\u001b[${known.color}m${name}\u001b[39m` : name;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return BARE.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? 'undefined';
}
