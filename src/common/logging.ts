import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { LogLevel } from 'src/config/config.schema';

const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PROBE_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * Paths into a log line that could hold a secret. Requests are serialised without headers or
 * bodies at all (below), so this list is a second line of defence for anything logged by hand.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers',
  'res.headers',
];

export function baseLoggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    base: { service: 'interpretable-audit', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** A logger for the moments before Nest exists (config errors, the embedded database). */
export function bootLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  return destination ? pino(baseLoggerOptions(level), destination) : pino(baseLoggerOptions(level));
}

/** Accepts a caller's request id when it is sane, so one id follows a request across services. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id =
    typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

export function httpLoggerOptions(
  level: LogLevel,
  destination?: DestinationStream,
): PinoHttpOptions {
  return {
    ...baseLoggerOptions(level),
    ...(destination ? { stream: destination } : {}),
    // The id the first middleware gave the request (http-app.ts), so log and answer agree.
    genReqId: (req, res) => (req as { id?: string }).id ?? requestId(req, res),
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req) => PROBE_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
    // Method and path only: no headers (credentials), no query string (may carry identifiers),
    // no body (prompts and outputs are regulated data).
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/**
 * Nest's messages in our JSON format, written to a pino logger. During start-up (the default)
 * Nest's `log` chatter is debug; once the app is built, AppNestLogger (http-logging.ts) takes
 * over, with `log` at info and each request's lines carrying its reqId.
 */
export class BootNestLogger implements LoggerService {
  private readonly current: () => Logger;

  constructor(
    pino: Logger | (() => Logger),
    private readonly logLevel: 'debug' | 'info' = 'debug',
  ) {
    this.current = typeof pino === 'function' ? pino : () => pino;
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write(this.logLevel, message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  // Nest calls `(message, ...optional, context)`: a Logger with a context appends it last, so
  // `logger.log({ fields }, 'text')` arrives as ({ fields }, 'text', 'Context'), and an error's
  // stack comes before the context.
  private write(
    level: 'debug' | 'info' | 'error' | 'warn' | 'trace',
    message: unknown,
    params: unknown[],
  ) {
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const extra = params.slice(0, -1);
    const fields: Record<string, unknown> = { context };
    let text = typeof message === 'string' ? message : undefined;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      Object.assign(fields, message);
    } else if (message instanceof Error) {
      fields.err = message;
    }
    for (const param of extra) {
      if (typeof param !== 'string') continue;
      if (text === undefined) text = param;
      else fields.trace = param;
    }
    this.current()[level](fields, text ?? String(message));
  }
}
