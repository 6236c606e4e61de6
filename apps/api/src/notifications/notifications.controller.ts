import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { RequireRoles, requireUuid } from '@govflow/http';
import { DeliveryView, NotificationsAdmin } from '@govflow/notifications';

export class DeliveriesQuery {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'dead'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  status?: DeliveryView['status'];
}

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications')
@RequireRoles('admin')
export class NotificationsController {
  constructor(private readonly admin: NotificationsAdmin) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries to webhooks and mailboxes, by status (admin)' })
  async list(@Query() query: DeliveriesQuery) {
    return { items: await this.admin.list(query.status) };
  }

  @Post(':id/redrive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a dead delivery again (admin)' })
  redrive(@Param('id') id: string) {
    return this.admin.redrive(requireUuid(id, { es: 'la entrega', en: 'delivery' }));
  }
}
