import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor, Entity } from '@govflow/domain';
import { DirectoryCommands, DirectoryService, RegisterEntityRequest } from '@govflow/directory';
import { CurrentActor, RequireRoles } from '@govflow/http';
import { directoryContext } from '../request-meta';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('v1/entities')
export class EntitiesController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly commands: DirectoryCommands,
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
  async list(): Promise<{ items: Entity[] }> {
    return { items: await this.directory.listEntities() };
  }
}
