import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { GovflowConfig, GovflowConfigModule } from '@govflow/config';
import { NotificationsModule } from '@govflow/notifications';
import { DirectoryModule, DirectoryService, TokenResolver } from '@govflow/directory';
import { EventStoreModule } from '@govflow/event-store';
import { ACTOR_RESOLVER, AuthGuard, BodyErrorInterceptor, DtoPipe, ProblemFilter } from '@govflow/http';
import { PlansModule } from '@govflow/plans';
import { ActorsController } from './actors/actors.controller';
import { EntitiesController } from './entities/entities.controller';
import { HealthController } from './health/health.controller';
import { MesasController } from './mesas/mesas.controller';
import { PlansController } from './plans/plans.controller';
import { TasksController } from './tasks/tasks.controller';
import { InboxController } from './inbox/inbox.controller';
import { AuditController } from './audit/audit.controller';
import { AuditService, CheckpointScheduler, CheckpointService, ExportService, SIGNING_KEY, loadSigningKey, snapshotKey } from '@govflow/audit';
import { MetricsController } from './operations/metrics.controller';
import { MetricsService } from './operations/metrics.service';
import { NotificationsController } from './notifications/notifications.controller';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

@Module({})
export class ApiModule {
  static forRoot(config: GovflowConfig, databaseUrl: string): DynamicModule {
    const signingKey = loadSigningKey({ pem: config.signingKey, file: config.signingKeyFile, dataDir: config.dataDir });
    return {
      module: ApiModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            ...(config.logFormat === 'pretty'
              ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,req,res' } } }
              : {}),
            // The correlation id: the caller's X-Request-Id when sane, else a new one.
            genReqId: (req, res) => {
              const given = req.headers['x-request-id'];
              const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            // No secrets or personal data in logs: tokens, cookies and bodies stay out.
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'],
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            customProps: (req) => ({ correlationId: (req as { id?: string }).id }),
          },
        }),
        GovflowConfigModule.forRoot(config),
        EventStoreModule.forRoot({
          url: databaseUrl,
          poolSize: config.dbPoolSize,
          snapshots: { key: snapshotKey(signingKey), every: config.snapshotEvery },
        }),
        NotificationsModule.forApi({ redis: Boolean(config.redisUrl) }),
        CqrsModule.forRoot(),
        DirectoryModule,
        PlansModule,
      ],
      controllers: [EntitiesController, MesasController, ActorsController, PlansController, TasksController, InboxController, NotificationsController, HealthController, MetricsController, AuditController],
      providers: [
        MetricsService,
        AuditService,
        CheckpointService,
        ExportService,
        CheckpointScheduler,
        { provide: SIGNING_KEY, useValue: signingKey },
        { provide: ACTOR_RESOLVER, useFactory: (directory: DirectoryService) => new TokenResolver(directory, config.adminToken), inject: [DirectoryService] },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: BodyErrorInterceptor },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useClass: DtoPipe },
      ],
    };
  }
}
