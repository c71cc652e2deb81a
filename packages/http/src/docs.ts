import path from 'node:path';
import express, { type Express } from 'express';
import { pagePolicy } from './security-headers';

const swaggerUi = path.dirname(require.resolve('swagger-ui-dist/package.json'));

// Swagger UI sets inline styles from its scripts and draws its icons from data: URIs; everything else is this origin.
const DOCS_POLICY = pagePolicy("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'");

/** /docs: Swagger UI over this service's /openapi.json, served from the npm package (no CDN). */
export function serveDocs(app: Express, service: string): void {
  app.use('/docs', (_req, res, next) => {
    res.setHeader('content-security-policy', DOCS_POLICY);
    next();
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hourglass ${service} API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`);
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('js').send(`window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });`);
  });
  app.use('/docs/assets', express.static(swaggerUi, { index: false }));
}
