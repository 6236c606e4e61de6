import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { Actor, ActorRole, Entity, Mesa, NotFound } from '@govflow/domain';
import { PG_POOL } from '@govflow/event-store';

interface MesaRow {
  code: string;
  name: string;
  coordinator: string;
  technical_reviewer: string;
  members: string[];
  invited: string[];
  workflow: string;
}

export const toMesa = (row: MesaRow): Mesa => ({
  code: row.code,
  name: row.name,
  coordinator: row.coordinator,
  technicalReviewer: row.technical_reviewer,
  members: row.members,
  invited: row.invited,
  workflow: row.workflow,
});

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Reads of the directory's projections. */
@Injectable()
export class DirectoryService {
  /** Actors never change once registered, so a resolved token can be kept. */
  private readonly tokenCache = new Map<string, Actor>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async listEntities(): Promise<Entity[]> {
    const { rows } = await this.pool.query(`SELECT code, name, kind FROM entities ORDER BY code`);
    return rows.map((r) => ({ code: r.code, name: r.name, ...(r.kind ? { kind: r.kind } : {}) }));
  }

  async existingEntities(codes: string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query(`SELECT code FROM entities WHERE code = ANY($1::text[])`, [codes]);
    return new Set(rows.map((r) => r.code));
  }

  async listMesas(): Promise<Mesa[]> {
    const { rows } = await this.pool.query<MesaRow>(`SELECT * FROM mesas ORDER BY code`);
    return rows.map(toMesa);
  }

  async findMesa(code: string): Promise<Mesa | null> {
    const { rows } = await this.pool.query<MesaRow>(`SELECT * FROM mesas WHERE code = $1`, [code]);
    return rows[0] ? toMesa(rows[0]) : null;
  }

  async getMesa(code: string): Promise<Mesa> {
    const mesa = await this.findMesa(code);
    if (!mesa) throw new NotFound({ es: `No existe la mesa ${code}.`, en: `There is no table ${code}.` });
    return mesa;
  }

  async resolveToken(token: string): Promise<Actor | null> {
    const hash = hashToken(token);
    const key = hash.toString('hex');
    const cached = this.tokenCache.get(key);
    if (cached) return cached;
    const { rows } = await this.pool.query(
      `SELECT a.id, a.name, a.entity, a.roles FROM actor_credentials c JOIN actors a ON a.id = c.actor_id WHERE c.token_hash = $1`,
      [hash],
    );
    if (!rows[0]) return null;
    const actor: Actor = { id: rows[0].id, name: rows[0].name, entity: rows[0].entity, roles: rows[0].roles as ActorRole[] };
    if (this.tokenCache.size > 10_000) this.tokenCache.clear();
    this.tokenCache.set(key, actor);
    return actor;
  }
}
