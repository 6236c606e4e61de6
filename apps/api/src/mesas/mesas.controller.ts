import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor, Mesa } from '@govflow/domain';
import { CreateMesaRequest, DirectoryCommands, DirectoryService } from '@govflow/directory';
import { CODE_PATTERN, CurrentActor, RequireRoles } from '@govflow/http';
import { NotFound } from '@govflow/domain';
import { directoryContext } from '../request-meta';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('v1/mesas')
export class MesasController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly commands: DirectoryCommands,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Create a table: coordinator, technical reviewer, members, invited (admin)' })
  create(@Body() body: CreateMesaRequest, @CurrentActor() actor: Actor, @Req() request: Request): Promise<Mesa> {
    return this.commands.createMesa(body, directoryContext(request, actor));
  }

  @Get()
  @ApiOperation({ summary: 'List tables' })
  async list(): Promise<{ items: Mesa[] }> {
    return { items: await this.directory.listMesas() };
  }

  @Get(':code')
  @ApiOperation({ summary: 'One table' })
  get(@Param('code') code: string): Promise<Mesa> {
    if (!CODE_PATTERN.test(code)) throw new NotFound({ es: `No existe la mesa ${code}.`, en: `There is no table ${code}.` });
    return this.directory.getMesa(code);
  }
}
