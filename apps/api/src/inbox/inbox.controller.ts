import { Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Actor, Forbidden } from '@govflow/domain';
import { CurrentActor, RequireRoles, pickLanguage, requireUuid } from '@govflow/http';
import { InboxService } from '@govflow/notifications';

export class InboxQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

function entityOf(actor: Actor): string {
  if (!actor.entity) {
    throw new Forbidden({ es: 'La bandeja es de una institución; este actor no actúa por ninguna.', en: 'The inbox belongs to an institution; this actor acts for none.' });
  }
  return actor.entity;
}

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/inbox')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @ApiOperation({ summary: "The caller's institution's notifications, newest first" })
  list(@Query() query: InboxQuery, @CurrentActor() actor: Actor, @Headers('accept-language') lang?: string) {
    const unread = query.unread === undefined ? undefined : query.unread === 'true';
    return this.inbox.list(entityOf(actor), { unread, limit: query.limit, language: pickLanguage(lang) });
  }

  @Post(':id/read')
  @HttpCode(200)
  @RequireRoles('official', 'admin') // auditors change nothing, not even a read mark
  @ApiOperation({ summary: 'Mark a notification read' })
  read(@Param('id') id: string, @CurrentActor() actor: Actor, @Headers('accept-language') lang?: string) {
    return this.inbox.markRead(entityOf(actor), requireUuid(id, { es: 'la notificación', en: 'notification' }), pickLanguage(lang));
  }
}
