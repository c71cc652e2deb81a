export { createHttpApp, type HttpApp, type HttpAppOptions, type ReadinessCheck } from './app';
export { errorHandler, notFoundHandler } from './errors';
export { parseInput } from './validate';
export { listen, type RunningServer } from './server';
export { counter, gauge, histogram, processRegistry } from './metrics';
export { ApiDocument, route, type OperationSpec, type ResponseSpec, type Method } from './openapi';
