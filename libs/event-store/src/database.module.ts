import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EventStore } from './event-store';

export const PG_POOL = Symbol('PG_POOL');

/** The PostgreSQL pool and the event store, shared by every lib. */
@Global()
@Module({})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  static forRoot(options: { url: string; poolSize?: number }): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: PG_POOL,
          useFactory: () => {
            const pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 20 });
            // An idle client's error (server restart) must not crash the process.
            pool.on('error', () => undefined);
            return pool;
          },
        },
        { provide: EventStore, useFactory: (pool: Pool) => new EventStore(pool), inject: [PG_POOL] },
      ],
      exports: [PG_POOL, EventStore],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
