import { TaskNewEvent, TaskState, isPendingTask } from './task.types';

export type TimerKind = 'reminder-7-days' | 'reminder-due-date' | 'escalation-15-days';

const DAY_MS = 86_400_000;
/** Timers fire at 08:00 Guatemala time (UTC-6), at the start of the working day. */
const FIRE_AT_UTC_HOUR = 14;

const at = (dueDate: string, days: number) => new Date(Date.parse(`${dueDate}T00:00:00Z`) + days * DAY_MS + FIRE_AT_UTC_HOUR * 3_600_000);

/** The timers a task's due date implies. */
export function timersFor(dueDate: string): { kind: TimerKind; dueAt: Date }[] {
  return [
    { kind: 'reminder-7-days', dueAt: at(dueDate, -7) },
    { kind: 'reminder-due-date', dueAt: at(dueDate, 0) },
    { kind: 'escalation-15-days', dueAt: at(dueDate, 15) },
  ];
}

/** What a timer records when it fires: nothing once the task is delivered, validated or cancelled. */
export function decideTimer(task: TaskState, kind: TimerKind, now: Date): TaskNewEvent[] {
  if (!isPendingTask(task.status)) return [];
  // A reminder that comes too late (a plan recorded after the fact) has nothing useful to say.
  const dueDay = Date.parse(`${task.dueDate}T00:00:00Z`);
  if (kind === 'reminder-7-days' && now.getTime() >= dueDay) return [];
  if (kind === 'reminder-due-date' && now.getTime() >= dueDay + DAY_MS) return [];
  if (kind === 'escalation-15-days') {
    const daysOverdue = Math.floor((now.getTime() - Date.parse(`${task.dueDate}T00:00:00Z`)) / DAY_MS);
    return [{ type: 'task.escalated', data: { daysOverdue, dueDate: task.dueDate } }];
  }
  return [{ type: 'task.reminder-sent', data: { kind, dueDate: task.dueDate } }];
}
