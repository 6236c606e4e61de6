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
  /** Ed25519 private key (PEM) for checkpoints; unset: GOVFLOW_SIGNING_KEY_FILE, else generated under dataDir. */
  signingKey?: string;
  signingKeyFile?: string;
  /** Minutes between scheduled checkpoints; 0 turns the schedule off. */
  checkpointMinutes: number;
  /** Whether this process fires due task reminders and escalations (any number of processes may). */
  taskTimers: boolean;
  /** A plan load that folds this many events past its snapshot leaves a new one; 0: no snapshots. */
  snapshotEvery: number;
  notifications: {
    /** `smtp://host:port` (or smtps://user:pass@host) for e-mail; unset: e-mail channels stay pending until set. */
    smtpUrl?: string;
    mailFrom: string;
    /** When set, webhook URLs must point to one of these hosts (`.gob.gt` allows subdomains). */
    webhookAllowedHosts?: string[];
    /** Refuse webhooks to addresses off the public internet (loopback, private, link-local...), checked on the resolved address. */
    webhookPublicOnly: boolean;
    webhookTimeoutMs: number;
    /** At most this many open connections to one receiver (scheme, host and port), per process. */
    webhookConnections: number;
    maxAttempts: number;
    /** First retry delay; each next one doubles. */
    backoffMs: number;
    /** Worker concurrency (jobs in flight per worker process). */
    concurrency: number;
    /** BullMQ key prefix: separate deployments (or test runs) sharing one Redis. */
    queuePrefix: string;
    /** How soon a job held by a dead worker is handed to another (BullMQ lock and stalled check). */
    stalledMs: number;
  };
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false; got "${env[name]}"`);
}

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
    // The demo's tokens are public (printed, in the README): by default it answers this machine only.
    host: env.HOST || (seedRaw === 'demo' ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(process.cwd(), dataDirRaw),
    adminToken,
    seed: seedRaw,
    logLevel,
    logFormat,
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 20, 1, 500),
    signingKey: env.GOVFLOW_SIGNING_KEY || undefined,
    signingKeyFile: env.GOVFLOW_SIGNING_KEY_FILE || undefined,
    checkpointMinutes: integer(env, 'GOVFLOW_CHECKPOINT_MINUTES', 60, 0, 10_080),
    taskTimers: flag(env, 'GOVFLOW_TASK_TIMERS', true),
    snapshotEvery: integer(env, 'GOVFLOW_SNAPSHOT_EVERY', 200, 0, 1_000_000),
    notifications: {
      smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
      mailFrom: env.GOVFLOW_MAIL_FROM || 'govflow <no-reply@govflow.local>',
      webhookAllowedHosts: env.GOVFLOW_WEBHOOK_ALLOWED_HOSTS
        ? env.GOVFLOW_WEBHOOK_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
        : undefined,
      webhookPublicOnly: flag(env, 'GOVFLOW_WEBHOOK_PUBLIC_ONLY', false),
      webhookTimeoutMs: integer(env, 'NOTIFY_WEBHOOK_TIMEOUT_MS', 5000, 100, 120_000),
      webhookConnections: integer(env, 'NOTIFY_WEBHOOK_CONNECTIONS', 64, 1, 1000),
      maxAttempts: integer(env, 'NOTIFY_MAX_ATTEMPTS', 8, 1, 50),
      backoffMs: integer(env, 'NOTIFY_BACKOFF_MS', 1000, 10, 3_600_000),
      concurrency: integer(env, 'NOTIFY_CONCURRENCY', 64, 1, 1000),
      queuePrefix: env.GOVFLOW_QUEUE_PREFIX || 'govflow',
      stalledMs: integer(env, 'NOTIFY_STALLED_MS', 30_000, 500, 600_000),
    },
  };
}

export const GOVFLOW_CONFIG = Symbol('GOVFLOW_CONFIG');
