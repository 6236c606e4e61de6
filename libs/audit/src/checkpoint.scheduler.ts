import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { InvalidTransition } from '@govflow/domain';
import { PG_POOL, PeriodicPass } from '@govflow/event-store';
import { CheckpointService } from './checkpoint.service';

/** An arbitrary constant: the advisory lock that lets one API process, of many, sign each scheduled checkpoint. */
const CHECKPOINT_LOCK = 7_470_123;

/** Signs a checkpoint every GOVFLOW_CHECKPOINT_MINUTES when events were recorded since the last one. */
@Injectable()
export class CheckpointScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CheckpointScheduler.name);
  private readonly periodic: PeriodicPass;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(GOVFLOW_CONFIG) private readonly config: GovflowConfig,
    private readonly checkpoints: CheckpointService,
  ) {
    this.periodic = new PeriodicPass(
      config.checkpointMinutes * 60_000,
      () => this.tick(),
      (error) => this.logger.warn({ err: error }, 'scheduled checkpoint failed'),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.checkpointMinutes > 0) this.periodic.start();
  }

  /** A checkpoint being signed is finished before the pool closes. */
  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** Signs one if this process holds the lock and the store moved since the last checkpoint. */
  async tick(): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query(`SELECT pg_try_advisory_lock($1) AS got`, [CHECKPOINT_LOCK]);
      if (!rows[0].got) return false;
      try {
        // Once a period across every API process: each runs its own timer, on its own phase.
        const moved = await client.query(
          `SELECT COALESCE((SELECT max(position) FROM events), 0) > COALESCE((SELECT max(last_position) FROM checkpoints), -1)
              AND COALESCE((SELECT max(created_at) FROM checkpoints) <= clock_timestamp() - $1::int * interval '1 millisecond', true) AS moved`,
          [Math.floor(this.config.checkpointMinutes * 60_000 * 0.9)],
        );
        if (!moved.rows[0].moved) return false;
        try {
          await this.checkpoints.create();
        } catch (error) {
          if (!(error instanceof InvalidTransition)) throw error;
          // Refused: the history does not verify. Said at every pass until someone looks.
          this.logger.error(error.text.en);
          return false;
        }
        return true;
      } finally {
        await client.query(`SELECT pg_advisory_unlock($1)`, [CHECKPOINT_LOCK]);
      }
    } finally {
      client.release();
    }
  }
}
