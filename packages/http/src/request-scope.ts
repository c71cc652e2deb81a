import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@hourglass/logger';

/**
 * Which request an error belongs to when nothing caught it: an 'error' event nobody listens to (a stream of a
 * request body), a throw in a timer or stream callback, a rejected promise nobody awaits. The store is entered on
 * the request's own execution context (enterWith, from the shell's first middleware, which runs synchronously in
 * the server's 'request' event), so the request's stream events and everything they start carry it too.
 */
interface Scope {
  req: Request;
  res: Response;
}

const scope = new AsyncLocalStorage<Scope>();

/** The shell's first middleware: marks everything this request sets going as belonging to it. */
export function enterRequestScope(req: Request, res: Response, next: NextFunction): void {
  scope.enterWith({ req, res });
  next();
}

/**
 * For a process's uncaughtException / unhandledRejection handlers: when the error arose while serving a request,
 * that request alone fails — answered 500 (or its connection cut when the answer had begun), the error logged with
 * its request id — and the process carries on serving the others. Returns false for an error outside any request
 * (start-up, a consumer, a timer of the process's own): the caller decides (exit, and let the supervisor restart).
 * A request whose answer is complete is no longer being served: what a connection or timer it happened to create
 * does later (a pooled database connection opened during it, say) is the process's own, not the request's.
 */
export function failRequestOfError(err: unknown, logger: Logger): boolean {
  const current = scope.getStore();
  if (!current || current.res.writableFinished) return false;
  const { req, res } = current;
  (req.log ?? logger).error({ err, request_id: req.id }, 'an error escaped the handling of a request: that request fails, the process carries on');
  if (!res.headersSent && !res.writableEnded) {
    res.status(500).json({ error: 'INTERNAL', message: 'Internal error', request_id: req.id });
  } else if (!res.writableEnded) {
    res.destroy();
  }
  // Whatever is left of the body is read and dropped, so the connection is not held by a stalled upload.
  if (!req.complete) req.resume();
  return true;
}
