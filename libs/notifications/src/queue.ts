import { ConnectionOptions } from 'bullmq';

export const NOTIFICATION_QUEUE = 'govflow-notifications';

/** Every job the notification queue carries, by name, with its payload. */
export interface NotificationJobs {
  deliver: { outboxId: string };
}
export type NotificationJobName = keyof NotificationJobs;
export const NOTIFICATION_JOB_NAMES: readonly NotificationJobName[] = ['deliver'];

/** BullMQ connection options from REDIS_URL (each Queue/Worker opens its own connection). */
export function redisConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // Workers must keep retrying the connection (BullMQ requires this for blocking commands).
    maxRetriesPerRequest: null,
  };
}

/**
 * Waits for `closing` at most `ms`; then calls `giveUp` (dropping the connection) and returns.
 * A BullMQ close waits on Redis, which during an outage never answers: a process being stopped
 * must not wait for it.
 */
export async function closeWithin(closing: Promise<unknown>, ms: number, giveUp: () => Promise<unknown> | unknown): Promise<void> {
  const late = await within(closing, ms).then(
    () => false,
    (error: unknown) => error instanceof RedisTimeout,
  );
  if (late) await Promise.resolve(giveUp()).catch(() => undefined);
}

class RedisTimeout extends Error {}

/** Rejects (RedisTimeout) when `work` has not settled within `ms`. */
export function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new RedisTimeout(`Redis did not answer within ${ms} ms`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
