import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DirectoryModule } from '@govflow/directory';
import { TaskQueries } from '@govflow/tasks';
import { ActOnPlanHandler } from './act-on-plan/act-on-plan.handler';
import { ActOnTaskHandler } from './act-on-task/act-on-task.handler';
import { EditPlanHandler } from './edit-plan/edit-plan.handler';
import { IdempotencyStore } from './idempotency';
import { OpenPlanHandler } from './open-plan/open-plan.handler';
import { PlanRepository } from './plan.repository';
import { PlanQueries } from './queries/plan.queries';
import { ProgressService } from './progress/progress.service';
import { CLOCK, TaskTimerScheduler, systemClock } from './timers/task-timer.scheduler';

@Module({
  imports: [CqrsModule, DirectoryModule],
  providers: [PlanRepository, PlanQueries, IdempotencyStore, TaskQueries, OpenPlanHandler, EditPlanHandler, ActOnPlanHandler, ActOnTaskHandler, TaskTimerScheduler, ProgressService, { provide: CLOCK, useValue: systemClock }],
  exports: [PlanRepository, PlanQueries, IdempotencyStore, TaskQueries, TaskTimerScheduler, ProgressService],
})
export class PlansModule {}
