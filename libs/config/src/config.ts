import { isAbsolute, resolve } from 'node:path';

/** govflow's configuration, read from the environment once at boot and validated. */
export interface GovflowConfig {
  port: number;
  host: string;
  /** Unset: embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  redisUrl?: string;
  dataDir: string;
  /** Bootstrap admin token; in embedded mode one is generated and kept under dataDir when unset. */
  adminToken?: string;
  /** `demo` seeds the Guatemalan tables when the database is empty. */
  seed: 'demo' | 'none';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `json` for log collectors; `pretty` (one readable line per entry) for a terminal. */
  logFormat: 'json' | 'pretty';
  dbPoolSize: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}; got "${raw}"`);
  }
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}; got ${parsed.protocol}`);
  }
  return raw;
}

/** Refuses to start on a bad value, naming the variable (never echoing a secret). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GovflowConfig {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const seedRaw = env.GOVFLOW_SEED ?? (databaseUrl ? 'none' : 'demo');
  if (seedRaw !== 'demo' && seedRaw !== 'none') throw new ConfigError(`GOVFLOW_SEED must be "demo" or "none"; got "${seedRaw}"`);
  const logLevel = (env.LOG_LEVEL ?? 'info') as GovflowConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json')) as GovflowConfig['logFormat'];
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError('LOG_FORMAT must be "json" or "pretty"');
  const adminToken = env.GOVFLOW_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('GOVFLOW_ADMIN_TOKEN must be at least 16 characters long');
  }
  const dataDirRaw = env.GOVFLOW_DATA_DIR || '.data';
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw),
    adminToken,
    seed: seedRaw,
    logLevel,
    logFormat,
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 20, 1, 500),
  };
}

export const GOVFLOW_CONFIG = Symbol('GOVFLOW_CONFIG');
