import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsEmail, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { Pool } from 'pg';
import { DIRECTORY_EVENTS, NotFound, ValidationFailed } from '@govflow/domain';
import { GOVFLOW_CONFIG, GovflowConfig } from '@govflow/config';
import { CommandContext, EventStore, PG_POOL, envelope } from '@govflow/event-store';
import { isAllowedWebhookUrl, isNonPublicAddressUrl } from './channels';

export class WebhookChannelRequest {
  @ApiProperty({ example: 'https://hooks.minfin.gob.gt/govflow' })
  @IsDefined()
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({ description: 'HMAC-SHA256 key; stored apart from the events, never returned' })
  @IsDefined()
  @IsString()
  @MinLength(16)
  @MaxLength(500)
  secret!: string;
}

export class ChannelsRequest {
  @ApiPropertyOptional({ example: 'enlace@minfin.gob.gt', nullable: true })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string | null;

  @ApiPropertyOptional({ type: WebhookChannelRequest, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookChannelRequest)
  webhook?: WebhookChannelRequest | null;
}

export interface ChannelsView {
  entity: string;
  inbox: true;
  email: string | null;
  webhook: { url: string } | null;
}

/** An institution's external channels. The webhook secret is kept here only: never in an event, an answer or a log. */
@Injectable()
export class ChannelsService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly store: EventStore,
    @Inject(GOVFLOW_CONFIG) private readonly config: GovflowConfig,
  ) {}

  async set(code: string, request: ChannelsRequest, ctx: CommandContext): Promise<ChannelsView> {
    const stream = `entity-${code}`;
    const head = await this.pool.query(`SELECT version, encode(head_hash, 'hex') AS head FROM streams WHERE stream_id = $1`, [stream]);
    if (!head.rows[0]) throw new NotFound({ es: `No existe la institución ${code}.`, en: `There is no institution ${code}.` });
    const webhook = request.webhook ?? null;
    if (webhook) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(webhook.url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !isAllowedWebhookUrl(webhook.url, this.config.notifications.webhookAllowedHosts)) {
        throw ValidationFailed.field(
          'webhook.url',
          'La URL del webhook debe ser http(s) y apuntar a un servidor permitido (GOVFLOW_WEBHOOK_ALLOWED_HOSTS).',
          'The webhook URL must be http(s) and point to an allowed host (GOVFLOW_WEBHOOK_ALLOWED_HOSTS).',
        );
      }
      // The secret is the signing key, kept apart from the events; a password in the URL would not be.
      if (parsed.username || parsed.password) {
        throw ValidationFailed.field(
          'webhook.url',
          'La URL del webhook no puede llevar usuario ni contraseña: las entregas se autentican con el secreto de firma.',
          'The webhook URL cannot carry a user name or password: deliveries are authenticated by the signing secret.',
        );
      }
      // An address written in the URL can be judged now; a name only when a delivery resolves it.
      if (this.config.notifications.webhookPublicOnly && isNonPublicAddressUrl(parsed)) {
        throw ValidationFailed.field(
          'webhook.url',
          'La URL del webhook apunta a una dirección que no es pública (GOVFLOW_WEBHOOK_PUBLIC_ONLY).',
          'The webhook URL points to an address that is not public (GOVFLOW_WEBHOOK_PUBLIC_ONLY).',
        );
      }
    }
    const email = request.email ?? null;
    await this.store.transaction(async (tx) => {
      const [event] = envelope(
        // The history keeps the receiver's origin only: a path or query may carry a token of the receiver's.
        [{ type: DIRECTORY_EVENTS.entityChannelsChanged, data: { code, email, webhookOrigin: webhook ? new URL(webhook.url).origin : null } }],
        ctx,
      );
      await tx.append({ streamId: stream, streamType: 'entity', expectedVersion: head.rows[0].version, expectedHead: head.rows[0].head, events: [event] });
      await tx.query(
        `INSERT INTO entity_channels (code, email, webhook_url, webhook_secret, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (code) DO UPDATE SET email = EXCLUDED.email, webhook_url = EXCLUDED.webhook_url,
           webhook_secret = EXCLUDED.webhook_secret, updated_at = now()`,
        [code, email, webhook?.url ?? null, webhook?.secret ?? null],
      );
    });
    return { entity: code, inbox: true, email, webhook: webhook ? { url: webhook.url } : null };
  }
}
