import { PlanState } from '../plan/plan.types';
import { TaskNewEvent, TaskRecordedEvent, TaskState } from './task.types';

export const taskStreamId = (taskId: string): string => `task-${taskId}`;

/**
 * Entering implementation creates one task per milestone, assigned to its responsible
 * institution (the commitment's lead unless the milestone names another).
 */
export function tasksForImplementation(plan: PlanState): { taskId: string; events: TaskNewEvent[] }[] {
  return plan.tasks.map((ref) => {
    const commitment = plan.content.commitments.find((c) => c.ref === ref.commitmentRef)!;
    const milestone = commitment.milestones.find((m) => m.ref === ref.milestoneRef)!;
    return {
      taskId: ref.taskId,
      events: [
        {
          type: 'task.assigned',
          data: {
            taskId: ref.taskId,
            planId: plan.id,
            mesa: plan.mesa,
            commitmentRef: commitment.ref,
            milestoneRef: milestone.ref,
            title: milestone.title,
            dueDate: milestone.dueDate,
            entity: milestone.responsibleEntity ?? commitment.leadEntity,
            leadEntity: commitment.leadEntity,
          },
        },
      ],
    };
  });
}

export function evolveTask(state: TaskState | null, event: TaskRecordedEvent): TaskState {
  switch (event.type) {
    case 'task.assigned':
      return {
        id: event.data.taskId,
        planId: event.data.planId,
        mesa: event.data.mesa,
        commitmentRef: event.data.commitmentRef,
        milestoneRef: event.data.milestoneRef,
        title: event.data.title,
        dueDate: event.data.dueDate,
        entity: event.data.entity,
        leadEntity: event.data.leadEntity,
        status: state?.status ?? 'assigned',
        version: event.version,
        createdAt: state?.createdAt ?? event.recordedAt,
        updatedAt: event.recordedAt,
      };
    default: {
      const unhandled: never = event.type;
      throw new Error(`unhandled task event ${String(unhandled)}`);
    }
  }
}
