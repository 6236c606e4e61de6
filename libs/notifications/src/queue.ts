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
