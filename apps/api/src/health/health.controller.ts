import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Pool } from 'pg';
import { PG_POOL } from '@govflow/event-store';
import { Public } from '@govflow/http';
import { OutboxRelay } from '@govflow/notifications';

type Check = { status: 'up' | 'down' | 'not-configured'; latencyMs?: number };

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  try {
    await Promise.race([probe(), new Promise((_, fail) => setTimeout(() => fail(new Error('timeout')), 1000))]);
    return { status: 'up', latencyMs: Date.now() - started };
  } catch {
    return { status: 'down' };
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() private readonly relay?: OutboxRelay,
  ) {}

  /**
   * 503 only when PostgreSQL is down: without Redis the API still records every command and
   * the outbox keeps the notifications, so it stays in the load balancer ("degraded").
   */
  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and dependencies: database, redis' })
  async health(@Res({ passthrough: true }) res: Response) {
    const [database, redis] = await Promise.all([
      timed(() => this.pool.query('SELECT 1')),
      this.relay ? timed(() => this.relay!.queue.getJobCounts('waiting')) : Promise.resolve<Check>({ status: 'not-configured' }),
    ]);
    res.status(database.status === 'up' ? 200 : 503);
    const status = database.status !== 'up' ? 'down' : redis.status === 'down' ? 'degraded' : 'ok';
    return { status, database, redis };
  }
}
