export const TASK_STATES = ['assigned', 'in_progress', 'delivered', 'validated', 'returned', 'blocked', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATES)[number];

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
  version: number;
  createdAt: string;
  updatedAt: string;
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
