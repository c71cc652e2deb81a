import { PUBLIC_PATHS, STREAM_TIMEOUT_SECONDS } from '../src/ingress';
import { docsOf, envs } from './helpers';

// The Ingress overlay exposes the public API and the webhooks and nothing else, keeps event streams open, and
// sends each path to a Service that exists in the environment it overlays.
test.each(envs)('%s-ingress: only /api and /webhooks, each to an existing API Service, long timeouts for SSE', (env) => {
  const ing = docsOf(`${env}-ingress`).map((d) => d.doc).find((d) => d.kind === 'Ingress');
  const services = docsOf(env).map((d) => d.doc).filter((d) => d.kind === 'Service').map((s) => s.metadata.name);
  const paths = ing.spec.rules.flatMap((r: any) => r.http.paths);
  expect(paths.length).toBe(PUBLIC_PATHS.length);
  for (const p of paths) {
    expect([p.path, /^\/(api|webhooks)(\/|$)/.test(p.path)]).toEqual([p.path, true]);
    expect([p.path, services.includes(p.backend.service.name)]).toEqual([p.path, true]);
  }
  for (const hidden of ['/admin', '/internal', '/console', '/metrics', '/docs', '/openapi.json', '/demo']) expect(paths.some((p: any) => hidden.startsWith(p.path) || p.path.startsWith(hidden))).toBe(false);
  expect(paths.find((p: any) => p.path === '/api/sessions').backend.service.name).toBe('sessions');
  expect(paths.find((p: any) => p.path === '/webhooks').backend.service.name).toBe('billing');
  expect(Number(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBe(STREAM_TIMEOUT_SECONDS);
  expect(STREAM_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(3600);
  expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
});
