import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { Pool } from 'pg';
import { EventStore } from './event-store';
import { SnapshotStore } from './snapshot-store';

export const PG_POOL = Symbol('PG_POOL');

/** The PostgreSQL pool and the event store, shared by every lib. */
@Global()
@Module({})
export class EventStoreModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * `snapshots`: the key that authenticates them and how many events a load may fold before it
   * leaves a new one; without it (or with `every` 0) streams are always read whole.
   */
  static forRoot(options: { url: string; poolSize?: number; snapshots?: { key: Buffer; every: number } }): DynamicModule {
    const snapshots: Provider[] =
      options.snapshots && options.snapshots.every > 0
        ? [
            {
              provide: SnapshotStore,
              useFactory: (pool: Pool, store: EventStore) =>
                new SnapshotStore(pool, store, options.snapshots!.key, { every: options.snapshots!.every, log: new Logger('Snapshots') }),
              inject: [PG_POOL, EventStore],
            },
          ]
        : [];
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
        ...snapshots,
      ],
      exports: [PG_POOL, EventStore, ...(snapshots.length ? [SnapshotStore] : [])],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
