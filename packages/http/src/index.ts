export { createHttpApp, type HttpApp, type HttpAppOptions, type ReadinessCheck } from './app';
export { errorHandler, notFoundHandler } from './errors';
export { parseInput } from './validate';
export { listen, type RunningServer } from './server';
export { counter, gauge, histogram, processRegistry } from './metrics';
export { ApiDocument, expressRoutes, route, type ExpressRoute, type Method, type OperationSpec, type ResponseSpec, type RouteHandler, type RouteInput } from './openapi';
export { failRequestOfError } from './request-scope';
export { pagePolicy, securityHeaders } from './security-headers';
export { clientKey, dateTimeWithin, days, identifier, label, text } from './fields';
