import path from 'node:path';
import { cacheDir } from '@hourglass/local-stack/src/cache';
import { connectionBudgets, budgetProblems } from '../src/connection-budget';
import { ENVIRONMENT_DIRS, kustomizeBuild } from '../src/kubeconform';
import { hardeningGaps, restrictedNamespaceLabels, restrictedViolations } from '../src/pod-security';
import { kubeScore } from '../src/policy';
import { ensureToolchain, type Toolchain } from '../src/toolchain';
import { docsOf, envs, kinds, podTemplates } from './helpers';

// The policies the manifests are held to beside their schemas: the Pod Security `restricted` profile (our own check
// of its rules, and the namespace labels that make the API server enforce it), kube-score's checks, and the
// connection budget of each database at the autoscalers' maximum.
let tc: Toolchain;
beforeAll(async () => {
  tc = await ensureToolchain(cacheDir());
}, 20 * 60_000);

test.each(envs)('%s: every pod template meets the restricted profile, with a read-only root, its own /tmp and no API token', (env) => {
  const pods = podTemplates(env);
  expect(pods.length).toBe(6);
  for (const p of pods) expect([p.owner, ...restrictedViolations(p.spec), ...hardeningGaps(p.spec)]).toEqual([p.owner]);
  expect(kinds(env, 'Namespace')[0].metadata.labels).toMatchObject(restrictedNamespaceLabels);
});

test('the restricted check catches each kind of violation', () => {
  const bad = {
    hostNetwork: true,
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
    containers: [{ name: 'c', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } }, ports: [{ containerPort: 80, hostPort: 80 }] }],
  };
  const v = restrictedViolations(bad).join('\n');
  for (const rule of ['hostNetwork', 'type hostPath', 'privileged', 'allowPrivilegeEscalation', 'drop ALL', 'SYS_ADMIN', 'runAsNonRoot', 'seccompProfile', 'hostPort 80']) expect(v).toContain(rule);
  expect(hardeningGaps(bad).join('\n')).toMatch(/readOnlyRootFilesystem[\s\S]*\/tmp[\s\S]*automountServiceAccountToken/);
});

test.each(ENVIRONMENT_DIRS.map((dir) => [path.basename(dir), dir]))('kube-score finds nothing in %s', async (_env, dir) => {
  expect(await kubeScore(tc, await kustomizeBuild(tc, dir))).toEqual([]);
}, 120_000);

test('kube-score catches a careless Deployment', async () => {
  const careless = `apiVersion: apps/v1
kind: Deployment
metadata: { name: careless, namespace: x }
spec:
  replicas: 1
  selector: { matchLabels: { app: careless } }
  template:
    metadata: { labels: { app: careless } }
    spec:
      containers:
        - name: c
          image: example/careless:latest
`;
  const problems = (await kubeScore(tc, careless)).join('\n');
  for (const finding of ['CPU limit is not set', 'Image with latest tag', 'NetworkPolicy', 'no configured security context']) expect(problems).toMatch(new RegExp(finding, 'i'));
}, 120_000);

test.each(envs)('%s: at the autoscalers’ maximum every database fits its Pooler and max_connections', (env) => {
  const docs = docsOf(env).map((d) => d.doc);
  expect(budgetProblems(docs)).toEqual([]);
  const budgets = connectionBudgets(docs);
  expect(budgets.map((b) => b.database).sort()).toEqual(['billing-db', 'notifications-db', 'sessions-db']);
  // Each database's own processes are counted (sessions: the API and the worker).
  expect(budgets.find((b) => b.database === 'sessions-db')!.detail.map((d) => d.split(':')[0]).sort()).toEqual(['sessions', 'sessions-worker']);
});

test('the budget fails when replicas × pool size outgrow it', () => {
  const docs = docsOf('prod').map((d) => d.doc);
  const bigger = JSON.parse(JSON.stringify(docs)) as any[];
  for (const so of bigger.filter((d) => d.kind === 'ScaledObject')) so.spec.maxReplicaCount = 200;
  expect(budgetProblems(bigger).join('\n')).toMatch(/sessions-db: \d+ pooled clients at maximum scale > the Pooler's/);
  const fatter = JSON.parse(JSON.stringify(docs)) as any[];
  for (const p of fatter.filter((d) => d.kind === 'Pooler')) p.spec.pgbouncer.parameters.default_pool_size = '200';
  expect(budgetProblems(fatter).join('\n')).toMatch(/connections to Postgres at maximum scale > max_connections 300/);
});

