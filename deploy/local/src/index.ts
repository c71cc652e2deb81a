/** @hourglass/local-stack: install and supervise the local stack (used by `npm start` / `npm test`). */
export { startStack, installAll, type Stack, type Installed, type StartStackOptions } from './stack';
export { resolveSettings, namedPorts, INFRA_PORTS, DEV_JWT_SECRET, type StackSettings, type Mode } from './settings';
export {
  SERVICES,
  DATABASES,
  serviceInstances,
  serviceEnv,
  type ServiceSpec,
  type ServiceInstance,
  type SkippedService,
  type RunningService,
  type Database,
} from './services';
export { SEARCH_ATTRIBUTES } from './search-attributes';
export { findFreePort, findFreePorts, isPortFree, assertPortsFree } from './ports';
export { devToken } from './tokens';
export { serveStackControl, componentStates, type StackControl, type ComponentState } from './control';
export { ComponentError, AbortedError, UsageError } from './errors';
