/** One retry schedule for both delivery modes: exponential backoff from `backoffMs`, capped at an hour. */
export function retryDelayMs(attempt: number, backoffMs: number): number {
  return Math.min(backoffMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
}
