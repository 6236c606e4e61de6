import { PlanState } from '../plan/plan.types';
import { CompletionLevel, TaskState, isPendingTask } from '../task/task.types';

/**
 * Progress on the OGP/IRM completion scale, derived from validated tasks. A milestone is
 * complete when its task is validated, limited once work started, not started otherwise.
 * A commitment, plan or table is rated by the share of its (non-cancelled) milestones
 * validated: none -> not started, under half -> limited, half or more -> substantial,
 * all -> complete.
 */
export function milestoneLevel(task: Pick<TaskState, 'status'> | undefined): CompletionLevel {
  if (!task || task.status === 'assigned' || task.status === 'cancelled') return 'not_started';
  return task.status === 'validated' ? 'complete' : 'limited';
}

export function levelOf(validated: number, total: number): CompletionLevel {
  if (total === 0 || validated === 0) return 'not_started';
  if (validated >= total) return 'complete';
  return validated * 2 >= total ? 'substantial' : 'limited';
}

export interface ProgressCounts {
  level: CompletionLevel;
  milestones: number;
  validated: number;
  overdue: number;
  blocked: number;
}

export function countTasks(tasks: Pick<TaskState, 'status' | 'dueDate'>[], today: string): ProgressCounts {
  const counted = tasks.filter((t) => t.status !== 'cancelled');
  const validated = counted.filter((t) => t.status === 'validated').length;
  return {
    level: levelOf(validated, counted.length),
    milestones: counted.length,
    validated,
    overdue: counted.filter((t) => isPendingTask(t.status) && t.dueDate < today).length,
    blocked: counted.filter((t) => t.status === 'blocked').length,
  };
}

/** A plan's progress from its tasks (none before implementation). */
export type TaskFacts = Pick<TaskState, 'status' | 'dueDate' | 'commitmentRef' | 'milestoneRef' | 'entity'>;

export function planProgress(plan: Pick<PlanState, 'content'>, tasks: TaskFacts[], today: string) {
  const byRef = new Map(tasks.map((t) => [`${t.commitmentRef}/${t.milestoneRef}`, t]));
  const commitments = plan.content.commitments.map((c) => {
    const mine = c.milestones.map((m) => byRef.get(`${c.ref}/${m.ref}`)).filter((t): t is TaskFacts => Boolean(t));
    return {
      ref: c.ref,
      title: c.title,
      leadEntity: c.leadEntity,
      ...countTasks(mine, today),
      milestoneProgress: c.milestones.map((m) => {
        const task = byRef.get(`${c.ref}/${m.ref}`);
        return {
          ref: m.ref,
          title: m.title,
          dueDate: m.dueDate,
          entity: task?.entity ?? m.responsibleEntity ?? c.leadEntity,
          status: task?.status ?? null,
          level: milestoneLevel(task),
          overdue: Boolean(task && isPendingTask(task.status) && task.dueDate < today),
        };
      }),
    };
  });
  return { ...countTasks(tasks, today), commitments };
}
