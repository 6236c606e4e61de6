import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Pool } from 'pg';
import { PG_POOL } from '@govflow/event-store';
import { Public } from '@govflow/http';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and dependencies: database' })
  async health(@Res({ passthrough: true }) res: Response) {
    const started = Date.now();
    let database: { status: 'up' | 'down'; latencyMs?: number; error?: string };
    try {
      await this.pool.query('SELECT 1');
      database = { status: 'up', latencyMs: Date.now() - started };
    } catch {
      database = { status: 'down', error: 'unreachable' };
    }
    const ok = database.status === 'up';
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'degraded', database };
  }
}
