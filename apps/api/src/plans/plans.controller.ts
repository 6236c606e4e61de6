import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Actor } from '@govflow/domain';
import { CurrentActor, NoFields, etagOf, parseIfMatch, requireUuid } from '@govflow/http';
import {
  ActOnPlanCommand,
  EditPlanCommand,
  OpenPlanCommand,
  OpenPlanRequest,
  PlanActionRequest,
  PlanContentRequest,
  PlanQueries,
  PlanView,
} from '@govflow/plans';
import { answer, commandMeta } from '../request-meta';
import { ListPlansQuery, StateQuery, pointOf } from './plans.query.dto';

const PLAN = { es: 'el plan', en: 'plan' };

@ApiTags('plans')
@ApiBearerAuth()
@Controller('v1/plans')
export class PlansController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: PlanQueries,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a plan in a table (officials of its coordinator or member institutions)' })
  @ApiBody({ type: OpenPlanRequest })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async open(@Body() body: unknown, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<PlanView> {
    return answer(res, await this.commands.execute(new OpenPlanCommand(body, commandMeta(req, actor, body))));
  }

  @Get()
  @ApiOperation({ summary: 'List plans, by table and status' })
  list(@Query() query: ListPlansQuery) {
    return this.queries.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A plan, with the actions the caller may take now' })
  async get(@Param('id') id: string, @Query() _query: NoFields, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response): Promise<PlanView> {
    const view = await this.queries.get(requireUuid(id, PLAN), actor, new Date());
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }

  @Put(':id')
  @ApiOperation({ summary: "Replace a draft's content (drafter or coordinator); honours If-Match" })
  @ApiBody({ type: PlanContentRequest })
  @ApiHeader({ name: 'If-Match', required: false })
  async edit(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PlanView> {
    const planId = requireUuid(id, PLAN);
    return answer(res, await this.commands.execute(new EditPlanCommand(planId, body, parseIfMatch(ifMatch), commandMeta(req, actor, body))));
  }

  @Post(':id/actions/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'submit, approve, request-changes, endorse, return, record-presentation, complete, withdraw' })
  @ApiBody({ type: PlanActionRequest })
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async act(
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PlanView> {
    const planId = requireUuid(id, PLAN);
    const meta = commandMeta(req, actor, body);
    return answer(res, await this.commands.execute(new ActOnPlanCommand(planId, action, body, parseIfMatch(ifMatch), meta)));
  }

  @Get(':id/history')
  @ApiOperation({ summary: "The plan's events, oldest first: who, institution, why, revision, hashes" })
  async history(@Param('id') id: string, @Query() _query: NoFields) {
    return { items: await this.queries.history(requireUuid(id, PLAN)) };
  }

  @Get(':id/state')
  @ApiOperation({ summary: 'The plan replayed from its events at an instant (?at=) or a version (?version=)' })
  state(@Param('id') id: string, @Query() query: StateQuery) {
    return this.queries.stateAt(requireUuid(id, PLAN), pointOf(query));
  }
}
