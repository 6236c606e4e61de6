import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '@govflow/domain';
import { CreateActorRequest, DirectoryCommands } from '@govflow/directory';
import { CurrentActor, RequireRoles } from '@govflow/http';
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
}
