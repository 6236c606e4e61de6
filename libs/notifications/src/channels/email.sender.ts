import { createTransport, type NodemailerError, type SMTPPoolOptions, type Transporter } from 'nodemailer';
import { DeliveryError } from './delivery-error';

export interface EmailSenderOptions {
  /** `smtp://host:port`, `smtps://user:pass@host:port`; `?ignoreTLS=true` skips STARTTLS. */
  smtpUrl: string;
  from: string;
  /** Whole send, including waiting for a pooled connection; default 60 s. */
  timeoutMs?: number;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  notificationId: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

/** Failures without an SMTP reply that another attempt will not fix (bad config or message). */
const PERMANENT_CODES = new Set(['ECONFIG', 'EAUTH', 'ENOAUTH', 'EENVELOPE', 'EMAXRECIPIENTS', 'EOTP']);

/** Builds the pool options from the URL ourselves, so that we choose what a URL may switch on. */
function poolOptions(smtpUrl: string): SMTPPoolOptions & { pool: true } {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    // Not the URL itself in the message: it may hold the password.
    throw new Error('SMTP URL is not a valid URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`SMTP URL scheme ${url.protocol} is not supported`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    pool: true,
    host,
    port: url.port ? Number(url.port) : undefined, // nodemailer's default: 465 for smtps, else 587
    secure: url.protocol === 'smtps:',
    // A local relay (or a test server) usually has no certificate; elsewhere STARTTLS is used when offered.
    ignoreTLS: url.searchParams.get('ignoreTLS') === 'true' || LOCAL_HOSTS.has(host),
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // nodemailer's defaults (2 min to connect, 10 min idle) would hold a worker slot far too long.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
}

/** Pooled SMTP delivery; one instance per SMTP URL, closed on shutdown. */
export class EmailSender {
  private readonly transporter: Transporter;
  private readonly from: string;
  private readonly timeoutMs: number;

  constructor(options: EmailSenderOptions) {
    this.transporter = createTransport(poolOptions(options.smtpUrl));
    // Per-send failures reach send(); without a listener a stray transport 'error' event would crash the process.
    this.transporter.on('error', () => undefined);
    this.from = options.from;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async send(message: EmailMessage): Promise<void> {
    try {
      await this.transporter.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // Lets the recipient side (and us, in tests) correlate a mail with its notification.
        headers: { 'X-Govflow-Notification': message.notificationId },
        // A server that trickles its replies is noticed by no socket timeout.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw toDeliveryError(err as NodemailerError);
    }
  }

  close(): void {
    this.transporter.close();
  }
}

function toDeliveryError(err: NodemailerError): DeliveryError {
  const reply = err.responseCode;
  if (typeof reply === 'number') {
    // 4xx transient, 5xx permanent; nodemailer's `permanent` also treats 503 (bad sequence of
    // commands, a session problem rather than a refusal) as transient.
    const permanent = err.permanent ?? (reply >= 500 && reply < 600);
    // The server's reply line (e.g. "550 5.1.1 unknown user") carries no credentials of ours.
    const line = (err.response ?? '').split(/\r?\n/)[0].slice(0, 200);
    return new DeliveryError(`SMTP ${err.command ?? 'server'} rejected: ${line || reply}`, !permanent, reply);
  }
  // No reply: connection refused/reset, timeouts, TLS and aborts may succeed on a later attempt.
  const code = err.code ?? err.name;
  return new DeliveryError(`SMTP delivery failed: ${code}`, !PERMANENT_CODES.has(code));
}
