import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { Actor, ActorRole, Entity, Mesa, NotFound } from '@govflow/domain';
import { PG_POOL } from '@govflow/event-store';
import { ExpiringCache } from './expiring-cache';

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

/** How long a resolved token is trusted without asking the database again. */
export const TOKEN_CACHE_MS = 30_000;
/** How long a table read is reused (tables never change once created). */
export const MESA_CACHE_MS = 60_000;

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Reads of the directory's projections. */
@Injectable()
export class DirectoryService {
  /**
   * Resolved tokens, kept for TOKEN_CACHE_MS: a revocation forgets the person's entries in this
   * process at once; other processes stop accepting the token when their entry runs out.
   */
  private readonly tokenCache = new ExpiringCache<string, Actor>(TOKEN_CACHE_MS);
  private readonly mesaCache = new ExpiringCache<string, Mesa>(MESA_CACHE_MS);

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

  /**
   * A table by code. Tables are only ever created, never changed, so every command on a plan or
   * task would read the same row: a found table is kept for MESA_CACHE_MS, saving each command a
   * round trip to PostgreSQL. An unknown code is asked again every time.
   */
  async findMesa(code: string): Promise<Mesa | null> {
    const cached = this.mesaCache.get(code);
    if (cached) return cached;
    const { rows } = await this.pool.query<MesaRow>(`SELECT * FROM mesas WHERE code = $1`, [code]);
    if (!rows[0]) return null;
    // Shared by every request that reads it: frozen, so no caller can change it for the others.
    const read = toMesa(rows[0]);
    const mesa = Object.freeze({ ...read, members: Object.freeze([...read.members]), invited: Object.freeze([...read.invited]) }) as Mesa;
    return this.mesaCache.set(code, mesa);
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
    return this.tokenCache.set(key, actor);
  }

  /** Drops the person's cached tokens (after a revocation). */
  forgetActor(actorId: string): void {
    this.tokenCache.deleteWhere((actor) => actor.id === actorId);
  }

  /** A registered person, whether and when their access was revoked, and their stream's version and head. */
  async actorRecord(actorId: string): Promise<{ actor: Actor; revokedAt: string | null; version: number; head: string } | null> {
    const { rows } = await this.pool.query(
      `SELECT a.id, a.name, a.entity, a.roles, a.revoked_at, s.version, encode(s.head_hash, 'hex') AS head
         FROM actors a JOIN streams s ON s.stream_id = 'actor-' || a.id
        WHERE a.id = $1`,
      [actorId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      actor: { id: r.id, name: r.name, entity: r.entity, roles: r.roles as ActorRole[] },
      revokedAt: r.revoked_at ? (r.revoked_at as Date).toISOString() : null,
      version: r.version,
      head: r.head,
    };
  }
}
