import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { dlqTopic, topicNames } from '@hourglass/proto';
import { render } from '../src/generate';
import { validateManifest } from '../src/validate';

// Issue 11: every manifest validates offline against the Kubernetes, CloudNativePG and Strimzi schemas, and the
// committed YAML is exactly what the TypeScript generates.
const root = path.resolve(__dirname, '..');
const envs = ['dev', 'prod'];
const docsOf = (env: string) =>
  readdirSync(path.join(root, env))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(path.join(root, env, f), 'utf8')).map((d) => ({ file: f, doc: d.toJSON() as any })));

test('the committed manifests are what src/ generates (run `npm run generate -w deploy/k8s` after a change)', () => {
  const rendered = render();
  for (const env of envs) {
    for (const [file, text] of Object.entries(rendered[env]!)) expect(`${env}/${file}\n${readFileSync(path.join(root, env, file), 'utf8')}`).toBe(`${env}/${file}\n${text}`);
    expect(readdirSync(path.join(root, env)).sort()).toEqual(Object.keys(rendered[env]!).sort());
  }
});

test.each(envs)('every document of %s validates against its schema', (env) => {
  const docs = docsOf(env);
  expect(docs.length).toBeGreaterThan(30);
  const failures: string[] = [];
  for (const { file, doc } of docs) {
    try {
      validateManifest(doc);
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message}`);
    }
  }
  expect(failures).toEqual([]);
});

test.each(envs)('%s has what operators need: probes, requests, PDBs, HPAs, secrets by reference, one migration Job', (env) => {
  const docs = docsOf(env).map((d) => d.doc);
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['billing', 'billing-worker', 'notifications', 'sessions', 'sessions-worker']);
  for (const d of deployments) {
    const c = d.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(JSON.stringify(c.env)).not.toMatch(/"value":"(sk_|whsec_)/); // secrets only by reference
  }
  const names = (kind: string) => docs.filter((d) => d.kind === kind).map((d) => d.metadata.name).sort();
  expect(names('PodDisruptionBudget')).toEqual(names('Deployment'));
  expect(names('HorizontalPodAutoscaler')).toEqual(names('Deployment'));
  for (const hpa of docs.filter((d) => d.kind === 'HorizontalPodAutoscaler')) {
    expect(hpa.spec.metrics[0].type).toBe(hpa.metadata.name.endsWith('-worker') ? 'External' : 'Resource');
  }
  expect(names('Job')).toEqual(['hourglass-migrations']);
  expect(names('Cluster')).toEqual(['billing-db', 'notifications-db', 'sessions-db']);
});

test('every topic of the registry, and its dead-letter topic, is a KafkaTopic', () => {
  const topics = docsOf('prod').filter((d) => d.doc.kind === 'KafkaTopic').map((d) => d.doc.spec.topicName).sort();
  expect(topics).toEqual(topicNames.flatMap((t) => [t, dlqTopic(t)]).sort());
});

test('a broken manifest is rejected, whatever its schema', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 'http' }] }] } } } };
  expect(() => validateManifest(deployment)).toThrow(/containerPort must be integer/);
  expect(() => validateManifest({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db' }, spec: { instances: 'three', storage: { size: '1Gi' } } })).toThrow(/instances must be integer/);
  expect(() => validateManifest({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: 't' }, spec: { replicas: 3 } })).toThrow(/partitions/);
  expect(() => validateManifest({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: 't' }, spec: { partitions: 3, replicas: 3, replica: 1 } })).toThrow(/additional properties/);
  expect(() => validateManifest({ apiVersion: 'v1', kind: 'Mystery', metadata: { name: 'm' } })).toThrow(/no schema known/);
});

test('each kustomization lists every file of its environment', () => {
  for (const env of envs) {
    const k = parseAllDocuments(readFileSync(path.join(root, env, 'kustomization.yaml'), 'utf8'))[0]!.toJSON() as { resources: string[] };
    expect(k.resources.sort()).toEqual(readdirSync(path.join(root, env)).filter((f) => f !== 'kustomization.yaml').sort());
  }
});

test('prod talks to Temporal Cloud over mTLS: every Temporal client mounts the client certificate its env names; dev does not', () => {
  const temporalClients = ['billing-worker', 'sessions', 'sessions-worker'];
  for (const env of envs) {
    const deployments = docsOf(env).map((d) => d.doc).filter((d) => d.kind === 'Deployment');
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      const envVar = (name: string) => c.env.find((e: any) => e.name === name)?.value as string | undefined;
      const mount = (c.volumeMounts ?? []).find((m: any) => m.name === 'temporal-tls');
      const volume = (pod.volumes ?? []).find((v: any) => v.name === 'temporal-tls');
      if (env === 'prod' && temporalClients.includes(d.metadata.name)) {
        expect(volume.secret.secretName).toBe('temporal-client-tls');
        expect(mount.readOnly).toBe(true);
        expect(envVar('TEMPORAL_TLS_CERT')).toBe(`${mount.mountPath}/tls.crt`);
        expect(envVar('TEMPORAL_TLS_KEY')).toBe(`${mount.mountPath}/tls.key`);
      } else {
        expect([d.metadata.name, mount, volume, envVar('TEMPORAL_TLS_CERT')]).toEqual([d.metadata.name, undefined, undefined, undefined]);
      }
    }
  }
  const address = (env: string) => docsOf(env).find((d) => d.doc.kind === 'ConfigMap')!.doc.data.TEMPORAL_ADDRESS;
  expect(address('prod')).toMatch(/\.tmprl\.cloud:7233$/);
  expect(address('dev')).toBe('temporal-frontend.temporal.svc:7233');
});
