import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '@govflow/domain';
import { CreateActorRequest, DirectoryCommands, RevokeActorRequest } from '@govflow/directory';
import { CurrentActor, RequireRoles, requireUuid } from '@govflow/http';
import { directoryContext } from '../request-meta';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('v1/actors')
export class ActorsController {
  constructor(private readonly commands: DirectoryCommands) {}

  @Post()
  @HttpCode(201)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Create a person who acts for an institution; the token is shown once (admin)' })
  create(@Body() body: CreateActorRequest, @CurrentActor() actor: Actor, @Req() request: Request): Promise<Actor & { token: string }> {
    return this.commands.createActor(body, directoryContext(request, actor));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Revoke a person’s access, with a rationale: their token stops working; their history stays (admin)' })
  @ApiBody({ type: RevokeActorRequest })
  revoke(@Param('id') id: string, @Body() body: unknown, @CurrentActor() actor: Actor, @Req() request: Request): Promise<Actor & { revokedAt: string }> {
    const actorId = requireUuid(id, { es: 'la persona', en: 'person' });
    return this.commands.revokeActor(actorId, body, directoryContext(request, actor));
  }
}
