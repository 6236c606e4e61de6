import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor, Entity } from '@govflow/domain';
import { DirectoryCommands, DirectoryService, RegisterEntityRequest } from '@govflow/directory';
import { CODE_PATTERN, CurrentActor, NoFields, RequireRoles, validateDto } from '@govflow/http';
import { ChannelsRequest, ChannelsService, ChannelsView } from '@govflow/notifications';
import { NotFound } from '@govflow/domain';
import { directoryContext } from '../request-meta';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('v1/entities')
export class EntitiesController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly commands: DirectoryCommands,
    private readonly channels: ChannelsService,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Register an institution (admin)' })
  register(@Body() body: RegisterEntityRequest, @CurrentActor() actor: Actor, @Req() request: Request): Promise<Entity> {
    return this.commands.registerEntity(body, directoryContext(request, actor));
  }

  @Get()
  @ApiOperation({ summary: 'List institutions' })
  async list(@Query() _query: NoFields): Promise<{ items: Entity[] }> {
    return { items: await this.directory.listEntities() };
  }

  @Put(':code/channels')
  @RequireRoles('admin')
  @ApiOperation({ summary: "Set an institution's e-mail and webhook (admin); the inbox is always on; the secret is never returned" })
  @ApiBody({ type: ChannelsRequest })
  async setChannels(@Param('code') code: string, @Body() raw: unknown, @CurrentActor() actor: Actor, @Req() request: Request): Promise<ChannelsView> {
    // 404 before 400, as the contract orders them: the body is checked once the institution is known.
    const known = CODE_PATTERN.test(code) && (await this.directory.existingEntities([code])).has(code);
    if (!known) throw new NotFound({ es: `No existe la institución ${code}.`, en: `There is no institution ${code}.` });
    return this.channels.set(code, validateDto(ChannelsRequest, raw ?? {}), directoryContext(request, actor));
  }
}
