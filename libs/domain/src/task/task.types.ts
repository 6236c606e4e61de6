export const TASK_STATES = ['assigned', 'in_progress', 'delivered', 'validated', 'returned', 'blocked', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATES)[number];

/** Statuses in which a task still waits for its institution: past its due date, it is overdue. */
export const PENDING_TASK_STATUSES: readonly TaskStatus[] = ['assigned', 'in_progress', 'returned', 'blocked'];
export const isPendingTask = (status: TaskStatus): boolean => PENDING_TASK_STATUSES.includes(status);

export const COMPLETION_LEVELS = ['not_started', 'limited', 'substantial', 'complete'] as const;
export type CompletionLevel = (typeof COMPLETION_LEVELS)[number];

export interface TaskState {
  id: string;
  planId: string;
  mesa: string;
  commitmentRef: string;
  milestoneRef: string;
  title: string;
  dueDate: string;
  /** The responsible institution's code. */
  entity: string;
  leadEntity: string;
  status: TaskStatus;
  /** The state a blocked task returns to when unblocked. */
  blockedFrom?: TaskStatus;
  blockReason?: string;
  progress?: { percent: number; note: string; at: string };
  evidence?: Evidence[];
  /** The institution that delivered: it may never validate its own delivery. */
  deliveredBy?: string | null;
  escalatedAt?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Evidence {
  title: string;
  url?: string;
  sha256?: string;
}

export interface TaskEventMap {
  'task.assigned': {
    taskId: string;
    planId: string;
    mesa: string;
    commitmentRef: string;
    milestoneRef: string;
    title: string;
    dueDate: string;
    entity: string;
    leadEntity: string;
  };
  'task.started': Record<string, never>;
  'task.progress-reported': { percent: number; note: string };
  'task.delivered': { evidence: Evidence[]; note?: string };
  'task.validated': Record<string, never>;
  'task.returned': Record<string, never>;
  'task.blocked': { reason: string; from: TaskStatus };
  'task.unblocked': { to: TaskStatus };
  'task.reassigned': { from: string; to: string };
  'task.cancelled': { from: TaskStatus };
  'task.rescheduled': { from: string; to: string };
  'task.reminder-sent': { kind: 'reminder-7-days' | 'reminder-due-date'; dueDate: string };
  'task.escalated': { daysOverdue: number; dueDate: string };
}
export type TaskEventType = keyof TaskEventMap;
export type TaskNewEvent = { [K in TaskEventType]: { type: K; data: TaskEventMap[K]; rationale?: string } }[TaskEventType];
export type TaskRecordedEvent = {
  [K in TaskEventType]: {
    streamId: string;
    version: number;
    type: K;
    data: TaskEventMap[K];
    metadata: import('../shared/events').EventMetadata;
    recordedAt: string;
  };
}[TaskEventType];
