import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import type { Request, Response } from 'express';
import { Actor, TASK_STATES, allowedTaskActions, taskStreamId } from '@govflow/domain';
import { DirectoryService } from '@govflow/directory';
import { EventStore } from '@govflow/event-store';
import { CurrentActor, IsCode, NoFields, etagOf, parseIfMatch, requireUuid } from '@govflow/http';
import { ActOnTaskCommand, PlanQueries, TaskActionRequest, foldTask, taskNotFound } from '@govflow/plans';
import { StateQuery, pointOf } from '../plans/plans.query.dto';
import { TaskQueries, TaskView, toTaskView } from '@govflow/tasks';
import { answer, commandMeta } from '../request-meta';

export class ListTasksQuery {
  @ApiPropertyOptional({ example: 'MINFIN', description: "The responsible institution's code" })
  @IsOptional()
  @IsCode()
  entity?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsCode()
  mesa?: string;

  @ApiPropertyOptional({ description: 'Plan id' })
  @IsOptional()
  @IsUUID()
  plan?: string;

  @ApiPropertyOptional({ enum: TASK_STATES })
  @IsOptional()
  @IsIn(TASK_STATES)
  status?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  overdue?: 'true' | 'false';
}

const TASK = { es: 'la tarea', en: 'task' };

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly tasks: TaskQueries,
    private readonly store: EventStore,
    private readonly directory: DirectoryService,
    private readonly commands: CommandBus,
    private readonly plans: PlanQueries,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Tasks, by responsible institution, table, plan, status, overdue' })
  async list(@Query() query: ListTasksQuery): Promise<{ items: TaskView[] }> {
    const overdue = query.overdue === undefined ? undefined : query.overdue === 'true';
    return { items: await this.tasks.list({ ...query, overdue }) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task, from its events, with its history and the actions the caller may take' })
  async get(@Param('id') id: string, @Query() _query: NoFields, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const taskId = requireUuid(id, TASK);
    const events = await this.store.readStream(taskStreamId(taskId));
    const task = foldTask(events);
    if (!task) throw taskNotFound(taskId);
    const [mesa, planStatus] = await Promise.all([this.directory.getMesa(task.mesa), this.plans.statusOf(task.planId)]);
    res.setHeader('ETag', etagOf(task.version));
    return {
      ...toTaskView(task),
      allowedActions: allowedTaskActions(task, { actor, mesa, now: new Date().toISOString(), planStatus }),
      history: events.map((e) => ({
        position: e.position,
        version: e.version,
        type: e.type,
        at: e.recordedAt,
        actor: e.metadata.actorId,
        entity: e.metadata.entity,
        rationale: e.metadata.rationale ?? null,
        data: e.data,
        prevHash: e.prevHash,
        hash: e.hash,
      })),
    };
  }

  @Get(':id/state')
  @ApiOperation({ summary: 'The task replayed from its events at an instant (?at=) or a version (?version=)' })
  state(@Param('id') id: string, @Query() query: StateQuery) {
    return this.plans.taskStateAt(requireUuid(id, TASK), pointOf(query));
  }

  @Post(':id/actions/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'start, report-progress, deliver, validate, return, block, unblock, reassign, cancel' })
  @ApiBody({ type: TaskActionRequest })
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
  ): Promise<TaskView> {
    const taskId = requireUuid(id, TASK);
    return answer(res, await this.commands.execute(new ActOnTaskCommand(taskId, action, body, parseIfMatch(ifMatch), commandMeta(req, actor, body))));
  }
}
