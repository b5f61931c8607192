import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { pinoHttp, HttpLogger, Options } from 'pino-http';
import { BootNestLogger } from 'src/common/logging';

/** While a request is served: its own logger (pino-http's `req.log`, which carries its reqId). */
const requestScope = new AsyncLocalStorage<Logger>();

/** Nest's logger once the app is built: `log` at info, a request's lines with its reqId. */
export class AppNestLogger extends BootNestLogger {
  constructor(root: Logger) {
    super(() => requestScope.getStore() ?? root, 'info');
  }
}

/**
 * One pino-http logger per application (not per process): a completion line per request, and
 * the request's own logger in scope for everything done while serving it.
 */
export class HttpLogging {
  readonly http: HttpLogger;
  readonly nestLogger: AppNestLogger;

  constructor(options: Options) {
    // Quiet: the request's own logger adds only its reqId to the lines logged while serving it.
    this.http = pinoHttp({ ...options, quietReqLogger: true });
    this.nestLogger = new AppNestLogger(this.http.logger);
  }

  middleware(): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
    return (req, res, next) =>
      this.http(req, res, () =>
        requestScope.run((req as IncomingMessage & { log: Logger }).log, next),
      );
  }
}

@Global()
@Module({})
export class HttpLoggingModule {
  static forRoot(options: Options): DynamicModule {
    return {
      module: HttpLoggingModule,
      providers: [{ provide: HttpLogging, useValue: new HttpLogging(options) }],
      exports: [HttpLogging],
    };
  }
}
