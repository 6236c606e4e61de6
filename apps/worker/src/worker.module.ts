import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { GovflowConfig, GovflowConfigModule } from '@govflow/config';
import { EventStoreModule } from '@govflow/event-store';
import { NotificationsModule } from '@govflow/notifications';

/** The worker process: consumes the notification queue; shares the libs with the API. */
@Module({})
export class WorkerModule {
  static forRoot(config: GovflowConfig, databaseUrl: string): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            ...(config.logFormat === 'pretty'
              ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
              : {}),
          },
        }),
        GovflowConfigModule.forRoot(config),
        EventStoreModule.forRoot({ url: databaseUrl, poolSize: Math.min(config.dbPoolSize, config.notifications.concurrency + 2) }),
        NotificationsModule.forWorker(),
      ],
    };
  }
}
