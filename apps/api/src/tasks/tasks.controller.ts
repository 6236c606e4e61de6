import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { TASK_STATES } from '@govflow/domain';
import { IsCode, requireUuid } from '@govflow/http';
import { TaskQueries, TaskView } from '@govflow/tasks';

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

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('v1/tasks')
export class TasksController {
  constructor(private readonly tasks: TaskQueries) {}

  @Get()
  @ApiOperation({ summary: 'Tasks, by responsible institution, table, plan, status, overdue' })
  async list(@Query() query: ListTasksQuery): Promise<{ items: TaskView[] }> {
    const overdue = query.overdue === undefined ? undefined : query.overdue === 'true';
    return { items: await this.tasks.list({ ...query, overdue }) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task' })
  get(@Param('id') id: string): Promise<TaskView> {
    return this.tasks.get(requireUuid(id, { es: 'la tarea', en: 'task' }));
  }
}
