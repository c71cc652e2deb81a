// Entry point of the workflow bundle. Deterministic code only: no Node modules, no I/O, activities by type only.
export { timedSessionWorkflow } from './timed-session';
export { sessionPackWorkflow } from './pack';
// Kept for executions started before the start gate moved into PostgreSQL (see legacy/): never started anew.
export { userGateWorkflow } from './legacy/user-gate';
export { sessionWorkflow } from './legacy/session';
