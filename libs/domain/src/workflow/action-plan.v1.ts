import { WorkflowDefinition } from './workflow.types';

/** `action-plan@1`, exactly the table in DESIGN.md. */
export const ACTION_PLAN_V1: WorkflowDefinition = {
  id: 'action-plan',
  version: 1,
  title: { es: 'Plan de acción', en: 'Action plan' },
  initial: 'draft',
  states: ['draft', 'technical_review', 'endorsement', 'presentation', 'implementation', 'completed', 'withdrawn'],
  transitions: [
    { action: 'edit', from: ['draft'], to: 'draft', who: ['drafter', 'coordinator'], rationale: 'none', event: 'plan.content-edited', guards: [], effects: [] },
    { action: 'submit', from: ['draft'], to: 'technical_review', who: ['drafter', 'coordinator'], rationale: 'none', event: 'plan.submitted', guards: ['blocking-observations-answered'], effects: ['freeze-revision'] },
    { action: 'approve', from: ['technical_review'], to: 'endorsement', who: ['technical_reviewer'], rationale: 'optional', event: 'plan.approved', guards: ['four-eyes'], effects: [] },
    { action: 'request-changes', from: ['technical_review'], to: 'draft', who: ['technical_reviewer'], rationale: 'required', event: 'plan.changes-requested', guards: ['observations-required'], effects: [] },
    { action: 'endorse', from: ['endorsement'], to: 'presentation', who: ['coordinator'], rationale: 'optional', event: 'plan.endorsed', guards: ['four-eyes'], effects: [] },
    { action: 'return', from: ['endorsement'], to: 'draft', who: ['coordinator'], rationale: 'required', event: 'plan.returned', guards: [], effects: [] },
    { action: 'record-presentation', from: ['presentation'], to: 'implementation', who: ['coordinator'], rationale: 'optional', event: 'plan.presentation-recorded', guards: ['presentation-required'], effects: ['create-tasks'] },
    { action: 'return', from: ['presentation'], to: 'draft', who: ['coordinator'], rationale: 'required', event: 'plan.returned', guards: [], effects: [] },
    { action: 'complete', from: ['implementation'], to: 'completed', who: ['coordinator'], rationale: 'required-if-open-tasks', event: 'plan.completed', guards: [], effects: [] },
    { action: 'withdraw', from: ['draft', 'technical_review', 'endorsement', 'presentation'], to: 'withdrawn', who: ['coordinator'], rationale: 'required', event: 'plan.withdrawn', guards: [], effects: [] },
  ],
};
