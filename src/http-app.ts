import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';
import { DomainErrorFilter } from 'src/common/domain-error.filter';
import { HttpLogging } from 'src/common/http-logging';
import { documentErrors } from 'src/common/openapi-errors';
import { documentResponses } from 'src/common/openapi-responses';
import { requestId } from 'src/common/logging';
import { requireReadableMediaType, verifyBody } from 'src/common/request-body';
import { createValidationPipe, StorableTextPipe } from 'src/common/validation';
import { AppConfig } from 'src/config/app-config';
import { MetricsService } from 'src/metrics/metrics.service';
import { recordComponents } from 'src/records/records.openapi';

/**
 * Everything that turns the Nest application into our HTTP API. Shared by `main.ts` and the e2e
 * tests, so the tests exercise exactly what production serves.
 */
export function configureHttpApp(app: NestExpressApplication, config: AppConfig): INestApplication {
  const logging = app.get(HttpLogging);
  app.useLogger(logging.nestLogger);
  // The request id first, so that every answer carries it, even a refusal by a body parser.
  app.use((req: Request & { id?: string }, res: Response, next: NextFunction) => {
    req.id = requestId(req, res);
    next();
  });
  // Then its log line, so a request refused by a body parser or a media-type check is logged.
  app.use(logging.middleware());
  app.use(app.get(MetricsService).httpMiddleware());
  app.use(
    helmet({
      // Strict: own origin only, no plugins, no framing (clickjacking), no <base> games. Inline
      // style attributes stay allowed for the API explorer; scripts never inline.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'script-src-attr': ["'none'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
    }),
  );
  // No answer is cached by a browser or a proxy unless its route says otherwise (the portal's
  // assets): record texts, new API keys and sessions' pages must not outlive the request.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(requireReadableMediaType);
  // express's own parsers rather than useBodyParser, whose types reserve `verify` for raw bodies.
  app.use(json({ limit: config.BODY_LIMIT, verify: verifyBody(true) }));
  app.use(urlencoded({ limit: config.BODY_LIMIT, extended: false, verify: verifyBody(false) }));
  app.useGlobalPipes(new StorableTextPipe(), createValidationPipe());
  app.useGlobalFilters(new DomainErrorFilter());
  app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  app.disable('x-powered-by');

  const document = documentResponses(
    documentErrors(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('Interpretable model audit service')
          .setDescription(
            'Signed attribution records, audit reports and evidence packages for generations of interpretable language models.',
          )
          .setVersion('0.1.0')
          .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Application API key' })
          .addCookieAuth('audit_session', { type: 'apiKey', in: 'cookie', name: 'audit_session' })
          .build(),
      ),
    ),
    recordComponents(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

/** "2" means a hop count, "true"/"false" the booleans; anything else is a list of addresses. */
function trustProxy(value: string): boolean | number | string {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}
