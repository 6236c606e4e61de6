/**
 * A failed delivery attempt. `retryable` tells the caller whether another attempt may succeed
 * (it still decides, by its retry schedule); `status` is the HTTP status or SMTP reply code
 * when there was one. The message ends up in logs and in the notification's last error, so it
 * must never contain a secret: no webhook URL (it may carry a token), no SMTP credentials.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
