import { PlanState } from '../plan/plan.types';
import { TaskNewEvent, TaskRecordedEvent, TaskState } from './task.types';

export const taskStreamId = (taskId: string): string => `task-${taskId}`;

/**
 * Entering implementation creates one task per milestone, assigned to its responsible
 * institution (the commitment's lead unless the milestone names another).
 */
export function tasksForImplementation(plan: PlanState): { taskId: string; events: Extract<TaskNewEvent, { type: 'task.assigned' }>[] }[] {
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
  if (event.type === 'task.assigned') {
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
      status: 'assigned',
      version: event.version,
      createdAt: event.recordedAt,
      updatedAt: event.recordedAt,
    };
  }
  if (!state) throw new Error(`${event.type} before task.assigned in ${event.streamId}`);
  const base: TaskState = { ...state, version: event.version, updatedAt: event.recordedAt };
  switch (event.type) {
    case 'task.started':
      return { ...base, status: 'in_progress' };
    case 'task.progress-reported':
      return { ...base, progress: { percent: event.data.percent, note: event.data.note, at: event.recordedAt } };
    case 'task.delivered':
      return { ...base, status: 'delivered', evidence: event.data.evidence, deliveredBy: event.metadata.entity };
    case 'task.validated':
      return { ...base, status: 'validated' };
    case 'task.returned':
      return { ...base, status: 'returned' };
    case 'task.blocked':
      return { ...base, status: 'blocked', blockedFrom: event.data.from, blockReason: event.data.reason };
    case 'task.unblocked': {
      const { blockedFrom: _from, blockReason: _reason, ...rest } = base;
      return { ...rest, status: event.data.to };
    }
    case 'task.reassigned': {
      // a fresh start for the new institution: whatever blocked the old one is no longer its state
      const { blockedFrom: _from, blockReason: _reason, ...rest } = base;
      return { ...rest, entity: event.data.to, status: 'assigned' };
    }
    case 'task.cancelled':
      return { ...base, status: 'cancelled' };
    case 'task.rescheduled':
      return { ...base, dueDate: event.data.to };
    case 'task.reminder-sent':
      return base;
    case 'task.escalated':
      return { ...base, escalatedAt: event.recordedAt };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled task event ${(unhandled as TaskRecordedEvent).type}`);
    }
  }
}
