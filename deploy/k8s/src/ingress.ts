import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { Environment } from './environments';
import { NAMESPACE, type ServiceName } from './processes';

/**
 * The Ingress overlay (`<env>-ingress/`, on top of `<env>/`): only the public API and the payment webhooks, each
 * path to the service that serves it; /admin, /internal, /console, /docs and /metrics stay inside the cluster.
 * ingress-nginx annotations: long read and send timeouts and no buffering, so a session's event stream (SSE) stays
 * open and flushes each event; request bodies up to the largest upload.
 */
export const PUBLIC_PATHS: Array<{ path: string; service: ServiceName }> = [
  { path: '/api/sessions', service: 'sessions' },
  { path: '/api/packs', service: 'sessions' },
  { path: '/api/pack-sessions', service: 'sessions' },
  { path: '/api/files', service: 'sessions' },
  { path: '/api/mentors', service: 'sessions' },
  { path: '/api/users/me/gate', service: 'sessions' },
  { path: '/api/users/me/auto-start', service: 'sessions' },
  { path: '/api/users/me/packs', service: 'sessions' },
  { path: '/api/users/credits', service: 'billing' },
  { path: '/api/users/me/usage', service: 'billing' },
  { path: '/api/checkout', service: 'billing' },
  { path: '/api/paypal', service: 'billing' },
  { path: '/webhooks', service: 'billing' },
  { path: '/api/users/me/notification-preferences', service: 'notifications' },
];

export const STREAM_TIMEOUT_SECONDS = 3600;

export function ingress(env: Environment): Ingress {
  return new Ingress({
    metadata: {
      name: 'hourglass',
      namespace: NAMESPACE,
      annotations: {
        'nginx.ingress.kubernetes.io/proxy-read-timeout': String(STREAM_TIMEOUT_SECONDS),
        'nginx.ingress.kubernetes.io/proxy-send-timeout': String(STREAM_TIMEOUT_SECONDS),
        'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
        'nginx.ingress.kubernetes.io/proxy-body-size': '110m',
        'cert-manager.io/cluster-issuer': 'letsencrypt',
      },
    },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: [env.publicHost], secretName: 'hourglass-tls' }],
      rules: [
        {
          host: env.publicHost,
          http: { paths: PUBLIC_PATHS.map(({ path, service }) => ({ path, pathType: 'Prefix', backend: { service: { name: service, port: { name: 'http' } } } })) },
        },
      ],
    },
  });
}
