import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { IsIn, IsOptional } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { PlanQueries, ProgressService, openDataCsv } from '@govflow/plans';
import { pointOf } from '../plans/plans.query.dto';
import { Actor, Mesa } from '@govflow/domain';
import { CreateMesaRequest, DirectoryCommands, DirectoryService } from '@govflow/directory';
import { CODE_PATTERN, CurrentActor, IsInstant, NoFields, RequireRoles } from '@govflow/http';
import { NotFound, ValidationFailed } from '@govflow/domain';
import { directoryContext } from '../request-meta';

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class MesaStateQuery {
  @ApiPropertyOptional({ example: '2024-10-31T23:59:59Z', description: 'Required: every event recorded at or before' })
  @IsOptional()
  @IsInstant()
  at?: string;
}

const mesaNotFound = (code: string) => new NotFound({ es: `No existe la mesa ${code}.`, en: `There is no table ${code}.` });

@ApiTags('directory')
@ApiBearerAuth()
@Controller('v1/mesas')
export class MesasController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly commands: DirectoryCommands,
    private readonly progress: ProgressService,
    private readonly plans: PlanQueries,
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
  async list(@Query() _query: NoFields): Promise<{ items: Mesa[] }> {
    return { items: await this.directory.listMesas() };
  }

  @Get(':code')
  @ApiOperation({ summary: 'One table' })
  get(@Param('code') code: string, @Query() _query: NoFields): Promise<Mesa> {
    if (!CODE_PATTERN.test(code)) throw mesaNotFound(code);
    return this.directory.getMesa(code);
  }

  @Get(':code/progress')
  @ApiOperation({ summary: "The table's progress on the OGP/IRM scale, per plan, commitment and milestone, with overdue and blocked counts" })
  progressOf(@Param('code') code: string, @Query() _query: NoFields) {
    if (!CODE_PATTERN.test(code)) throw mesaNotFound(code);
    return this.progress.forMesa(code);
  }

  @Get(':code/state')
  @ApiOperation({ summary: 'The whole table as it was at an instant: its plans and their tasks, replayed from the events' })
  stateAt(@Param('code') code: string, @Query() query: MesaStateQuery) {
    if (!CODE_PATTERN.test(code)) throw mesaNotFound(code);
    if (query.at === undefined) throw ValidationFailed.field('at', 'Indique «at»: el instante que quiere ver.', 'Give "at": the instant to look at.');
    return this.plans.mesaStateAt(code, pointOf({ at: query.at }).at!);
  }

  @Get(':code/export')
  @ApiOperation({ summary: "Open data: the table's plans, commitments (OGP fields), milestones and progress, as JSON or CSV" })
  async export(@Param('code') code: string, @Query() query: ExportQuery, @Res({ passthrough: true }) res: Response) {
    if (!CODE_PATTERN.test(code)) throw mesaNotFound(code);
    const data = await this.progress.openData(code);
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${code.toLowerCase()}-compromisos.csv"`);
      return openDataCsv(data);
    }
    return data;
  }
}
