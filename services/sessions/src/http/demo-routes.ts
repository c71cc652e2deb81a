import path from 'node:path';
import express, { Router } from 'express';
import { pagePolicy } from '@hourglass/http';

const assets = path.resolve(__dirname, '../../demo');

/**
 * A small demo of a live session (`/demo/sessions/:id#token=<jwt>`): countdown on server time, extend, end, files,
 * the event log and a reconnect banner. Static files; everything they show comes from the public API. The token is
 * read from the fragment only; the page may not be framed (CSP frame-ancestors, and the shell's X-Frame-Options).
 */
export function demoRoutes(): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('content-security-policy', pagePolicy("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:"));
    next();
  });
  router.get('/sessions/:id', (_req, res) => res.sendFile(path.join(assets, 'session.html')));
  router.get('/sessions/:id/summary', (_req, res) => res.sendFile(path.join(assets, 'summary.html')));
  router.use(express.static(assets, { index: false, fallthrough: true }));
  return router;
}
