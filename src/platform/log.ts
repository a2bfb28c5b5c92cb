/**
 * The server's own log: start, stop, errors and background-loop trouble, one line each. Readable
 * text by default; JSON lines (`--log-format json`) for log collectors. Request lines
 * (`--log-requests`) go through it too, so one process never mixes two formats.
 *
 * Loggers are plain objects passed in by `createApp`; nothing writes to the console behind its back.
 * Every line has card numbers masked (`pan.ts`): an error's message or stack may quote a request's
 * input, and log files outlive requests.
 */
import { redactPans, redactPansDeep } from './pan.js';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  /** `fields.err` may be an Error: text shows its stack, JSON its message and stack. */
  error(message: string, fields?: LogFields): void;
}

export interface LogSink {
  write(line: string): void;
}

export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** An error as loggable data (JSON has no representation for Error objects). */
function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { message: err.message, ...(code !== undefined ? { code } : {}), stack: err.stack };
  }
  return { message: String(err) };
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

/** One log line in `format` (without the newline). */
export function formatLogLine(format: LogFormat, level: LogLevel, message: string, rawFields: LogFields = {}): string {
  const time = new Date().toISOString();
  const fields = redactPansDeep(rawFields) as LogFields;
  if (format === 'json') {
    const data: LogFields = { time, level, msg: redactPans(message) };
    for (const [k, v] of Object.entries(fields)) data[k] = k === 'err' ? errorFields(v) : v;
    return JSON.stringify(data);
  }
  let line = `${time} ${level.toUpperCase().padEnd(5)} ${redactPans(message)}`;
  let stack: string | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (k === 'err' && v instanceof Error) {
      line += ` err=${textValue(v.message)}`;
      stack = v.stack;
    } else line += ` ${k}=${textValue(v)}`;
  }
  return stack ? `${line}\n${stack}` : line;
}

/**
 * A logger writing to `out` (info) and `err` (warnings and errors); by default stdout and stderr,
 * so `sandbank serve > out.log` keeps the two apart as other servers do.
 */
export function createLogger(format: LogFormat = 'text', sinks: { out?: LogSink; err?: LogSink } = {}): Logger {
  const out = sinks.out ?? process.stdout;
  const err = sinks.err ?? process.stderr;
  const emit = (sink: LogSink, level: LogLevel, message: string, fields?: LogFields) =>
    sink.write(`${formatLogLine(format, level, message, fields)}\n`);
  return {
    info: (message, fields) => emit(out, 'info', message, fields),
    warn: (message, fields) => emit(err, 'warn', message, fields),
    error: (message, fields) => emit(err, 'error', message, fields),
  };
}

/** A logger that keeps its lines, for tests. */
export function memoryLogger(): Logger & { lines: { level: LogLevel; message: string; fields: LogFields }[] } {
  const lines: { level: LogLevel; message: string; fields: LogFields }[] = [];
  const keep =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      lines.push({ level, message, fields });
    };
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}
