// Entry point of the workflow bundle. Deterministic code only: no Node modules, no I/O, activities by type only.
export { userGateWorkflow } from './user-gate';
export { sessionWorkflow } from './session';
export { sessionPackWorkflow } from './pack';
