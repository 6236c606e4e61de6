import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { GovflowConfig } from '@govflow/config';
import { deferredJsonBody } from '@govflow/http';
import { ApiModule } from './api.module';
import { mountQueueDashboard } from './operations/queue-dashboard';

export interface ApiAppOptions {
  /** More controllers, served with the API's own guard, pipe, filter and logger (the benchmarks' no-I/O endpoint). */
  controllers?: Type<unknown>[];
}

/** The HTTP API, configured the same way for `npm start` and for the end-to-end tests. */
export async function createApiApp(config: GovflowConfig, databaseUrl: string, options: ApiAppOptions = {}): Promise<INestApplication> {
  const api = ApiModule.forRoot(config, databaseUrl);
  const root = options.controllers?.length ? { ...api, controllers: [...(api.controllers ?? []), ...options.controllers] } : api;
  const app = await NestFactory.create<NestExpressApplication>(root, {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // ETags are the plan's version, set by the handlers; Express's own body hashes would lie.
  app.set('etag', false);
  app.use(deferredJsonBody());
  if (config.redisUrl) mountQueueDashboard(app);
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('govflow')
      .setDescription(
        'Motor de flujos de gobernanza para planes de acción interinstitucionales. ' +
          'Errors are application/problem+json: {type, title, status, detail, code, errors?}. ' +
          'Messages are in Spanish; send Accept-Language: en for English.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
