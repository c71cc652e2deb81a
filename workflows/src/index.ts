// Public surface of @hourglass/workflows for clients and workers: contracts only. Workflow code is loaded by the
// worker from `workflowsPath` and never imported directly outside workflow bundles.
export * from './contracts/common';
export * from './contracts/billing';
export * from './contracts/sessions';
export * from './contracts/messages';
export * from './contracts/packs';
export { gateRules } from './workflows/gate-rules';
export { sessionStates, type SessionAction, type Transition } from './workflows/session-states';

/** Path of the workflow code for `Worker.create({ workflowsPath })` / `bundleWorkflowCode`. */
export const workflowsPath = require.resolve('./workflows');

/** Workflow interceptor modules for `Worker.create({ interceptors: { workflowModules } })`: trace ids (interceptors.ts). */
export const workflowInterceptorModules = [require.resolve('./interceptors')];
