import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { dlqTopic, topicNames } from '@hourglass/proto';
import { render } from '../src/generate';
import { validateManifest } from '../src/validate';
import { TIMING } from '../src/workloads';
import { docsOf, envs, kinds, root } from './helpers';

// Every manifest validates offline against the Kubernetes, CloudNativePG and Strimzi schemas, and the committed YAML
// is exactly what the TypeScript generates.
const names = (env: string, kind: string) => kinds(env, kind).map((d) => d.metadata.name).sort();

test('the committed manifests are what src/ generates (run `npm run generate -w deploy/k8s` after a change)', () => {
  const rendered = render();
  for (const [dir, files] of Object.entries(rendered)) {
    for (const [file, text] of Object.entries(files)) expect(`${dir}/${file}\n${readFileSync(path.join(root, dir, file), 'utf8')}`).toBe(`${dir}/${file}\n${text}`);
    expect(readdirSync(path.join(root, dir)).sort()).toEqual(Object.keys(files).sort());
  }
});

test.each(envs)('every document of %s validates against its schema', (env) => {
  const docs = docsOf(env);
  expect(docs.length).toBeGreaterThan(60);
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

test.each(envs)('%s: probes, requests, PDBs, autoscalers that own the scale, secrets by reference, one migration Job', (env) => {
  const deployments = kinds(env, 'Deployment');
  expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['billing', 'billing-worker', 'notifications', 'sessions', 'sessions-worker']);
  for (const d of deployments) {
    const c = d.spec.template.spec.containers[0];
    expect([d.metadata.name, d.spec.replicas]).toEqual([d.metadata.name, undefined]); // the autoscaler owns the count
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' }, timeoutSeconds: 3 });
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String), 'ephemeral-storage': expect.any(String) });
    expect(JSON.stringify(c.env)).not.toMatch(/"value":"(sk_|whsec_)/); // secrets only by reference
  }
  expect(names(env, 'PodDisruptionBudget')).toEqual(names(env, 'Deployment'));
  expect(names(env, 'HorizontalPodAutoscaler')).toEqual(['billing', 'notifications', 'sessions']);
  expect(names(env, 'ScaledObject')).toEqual(['billing-worker', 'sessions-worker']);
  for (const a of [...kinds(env, 'HorizontalPodAutoscaler').map((h) => h.spec.behavior), ...kinds(env, 'ScaledObject').map((s) => s.spec.advanced.horizontalPodAutoscalerConfig.behavior)]) {
    expect(a.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
  }
  for (const so of kinds(env, 'ScaledObject')) expect(so.spec.triggers[0]).toMatchObject({ type: 'temporal', metadata: { taskQueue: so.metadata.name.replace('-worker', ''), queueTypes: 'workflow,activity' } });
  expect(names(env, 'Job')).toEqual(['hourglass-migrations']);
  expect(names(env, 'Cluster')).toEqual(['billing-db', 'notifications-db', 'sessions-db']);
});

test.each(envs)('%s: one ServiceAccount per workload, none with an API token', (env) => {
  const pods = [...kinds(env, 'Deployment'), ...kinds(env, 'Job')].map((d) => ({ name: d.metadata.name, spec: d.spec.template.spec }));
  const accounts = kinds(env, 'ServiceAccount');
  expect(accounts.map((a) => a.metadata.name).sort()).toEqual(pods.map((p) => p.name).sort());
  for (const p of pods) expect([p.name, p.spec.serviceAccountName, p.spec.automountServiceAccountToken]).toEqual([p.name, p.name, false]);
  for (const a of accounts) expect([a.metadata.name, a.automountServiceAccountToken]).toEqual([a.metadata.name, false]);
});

test.each(envs)('%s: graceful stop fits the grace period; the migration Job has a deadline', (env) => {
  for (const d of kinds(env, 'Deployment')) {
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    const v = (n: string) => Number(c.env.find((e: any) => e.name === n)?.value);
    const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
    // preStop pause + the process's own stop timeout, with room for the SIGKILL not to be needed.
    expect([d.metadata.name, preStop * 1000 + v('SHUTDOWN_TIMEOUT_MS') < pod.terminationGracePeriodSeconds * 1000]).toEqual([d.metadata.name, true]);
    if (d.metadata.name.endsWith('-worker')) {
      expect(v('WORKER_SHUTDOWN_GRACE_MS')).toBeLessThan(v('SHUTDOWN_TIMEOUT_MS'));
    } else {
      expect([d.metadata.name, preStop]).toEqual([d.metadata.name, TIMING.api.preStopSeconds]);
    }
  }
  const job = kinds(env, 'Job')[0];
  expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
  expect(job.spec.template.spec.containers.concat(job.spec.template.spec.initContainers).map((c: any) => c.args[0])).toEqual(['dist/migrate.js', 'dist/migrate.js', 'dist/migrate.js']);
});

test.each(envs)('%s: Kubernetes settings of the processes (topics awaited, readiness local, Kafka over TLS with a SCRAM user)', (env) => {
  const config = kinds(env, 'ConfigMap')[0].data;
  expect(config).toMatchObject({ KAFKA_TOPICS: 'wait', READINESS_SCOPE: 'local', KAFKA_BROKERS: 'hourglass-kafka-bootstrap.hourglass.svc:9093' });
  for (const d of kinds(env, 'Deployment').filter((x) => !x.metadata.name.endsWith('-worker'))) {
    const e = Object.fromEntries(d.spec.template.spec.containers[0].env.map((x: any) => [x.name, x.value ?? x.valueFrom]));
    expect(e).toMatchObject({ KAFKA_TLS: 'true', KAFKA_SASL_USERNAME: `${d.metadata.name}-kafka`, KAFKA_SASL_PASSWORD: { secretKeyRef: { name: `${d.metadata.name}-kafka`, key: 'password' } } });
    expect(e.DATABASE_URL).toBe(`postgresql://$(DB_USER):$(DB_PASSWORD)@${d.metadata.name}-db-pooler-rw.hourglass.svc:5432/${d.metadata.name}`);
  }
});

test('prod keeps session files in S3 (no shared claim); dev on a ReadWriteMany claim', () => {
  const sessionsEnv = (env: string) => Object.fromEntries(kinds(env, 'Deployment').find((d) => d.metadata.name === 'sessions').spec.template.spec.containers[0].env.map((x: any) => [x.name, x.value]));
  expect(sessionsEnv('prod')).toMatchObject({ FILE_STORAGE: 's3', S3_BUCKET: expect.any(String), S3_ENDPOINT: expect.stringMatching(/^https:/) });
  expect(kinds('prod', 'PersistentVolumeClaim')).toEqual([]);
  expect(sessionsEnv('dev')).toMatchObject({ FILE_STORAGE: 'local', FILES_DIR: '/data/files' });
  expect(names('dev', 'PersistentVolumeClaim')).toEqual(['session-files']);
});

test('every topic of the registry, and its dead-letter topic, is a KafkaTopic; nothing creates topics on its own', () => {
  const topics = kinds('prod', 'KafkaTopic').map((d) => d.spec.topicName).sort();
  expect(topics).toEqual(topicNames.flatMap((t) => [t, dlqTopic(t)]).sort());
  for (const env of envs) expect(kinds(env, 'Kafka')[0].spec.kafka.config['auto.create.topics.enable']).toBe(false);
});

test.each(envs)('%s: Kafka in separate controller and broker pools with resources; only a TLS listener with SCRAM', (env) => {
  const pools = kinds(env, 'KafkaNodePool');
  expect(pools.map((p) => [p.metadata.name, p.spec.roles])).toEqual([['controllers', ['controller']], ['brokers', ['broker']]]);
  for (const p of pools) expect(p.spec.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  const kafka = kinds(env, 'Kafka')[0].spec.kafka;
  expect(kafka.listeners).toEqual([expect.objectContaining({ tls: true, authentication: { type: 'scram-sha-512' } })]);
  expect(kafka.authorization.type).toBe('simple');
});

test.each(envs)('%s: Postgres sized, instances on different nodes, WAL archived and backed up nightly with a retention', (env) => {
  for (const c of kinds(env, 'Cluster')) {
    expect(c.spec.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.spec.affinity).toMatchObject({ enablePodAntiAffinity: true, podAntiAffinityType: 'required' });
    const archiver = c.spec.plugins.find((p: any) => p.isWALArchiver);
    const store = kinds(env, 'ObjectStore').find((o) => o.metadata.name === archiver.parameters.barmanObjectName);
    expect(store.spec.retentionPolicy).toMatch(/^\d+[dwm]$/);
    const backup = kinds(env, 'ScheduledBackup').find((b) => b.spec.cluster.name === c.metadata.name);
    expect(backup.spec).toMatchObject({ method: 'plugin', pluginConfiguration: { name: archiver.name } });
    const pooler = kinds(env, 'Pooler').find((p) => p.spec.cluster.name === c.metadata.name);
    expect(pooler.spec.pgbouncer.poolMode).toBe('transaction');
  }
});

test('a broken manifest is rejected, whatever its schema', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 'http' }] }] } } } };
  expect(() => validateManifest(deployment)).toThrow(/containerPort must be integer/);
  expect(() => validateManifest({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db' }, spec: { instances: 'three', storage: { size: '1Gi' } } })).toThrow(/instances must be integer/);
  expect(() => validateManifest({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: 't' }, spec: { replicas: 3 } })).toThrow(/partitions/);
  expect(() => validateManifest({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: 't' }, spec: { partitions: 3, replicas: 3, replica: 1 } })).toThrow(/additional properties/);
  expect(() => validateManifest({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's' } })).toThrow(/spec/);
  expect(() => validateManifest({ apiVersion: 'v1', kind: 'Mystery', metadata: { name: 'm' } })).toThrow(/no schema known/);
});

test('each kustomization lists every file of its directory', () => {
  for (const dir of [...envs, ...envs.map((e) => `${e}-ingress`)]) {
    const k = parseAllDocuments(readFileSync(path.join(root, dir, 'kustomization.yaml'), 'utf8'))[0]!.toJSON() as { resources: string[] };
    const local = k.resources.filter((r) => !r.startsWith('../')).sort();
    expect(local).toEqual(readdirSync(path.join(root, dir)).filter((f) => f !== 'kustomization.yaml').sort());
  }
});

test('prod talks to Temporal Cloud over mTLS: every Temporal client mounts the client certificate its env names; dev does not', () => {
  const temporalClients = ['billing-worker', 'sessions', 'sessions-worker'];
  for (const env of envs) {
    for (const d of kinds(env, 'Deployment')) {
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
    // KEDA's scaler reaches Temporal as the workers do: with the client certificate when mTLS is on.
    for (const so of kinds(env, 'ScaledObject')) expect(Boolean(so.spec.triggers[0].authenticationRef)).toBe(env === 'prod');
  }
  const address = (env: string) => kinds(env, 'ConfigMap')[0].data.TEMPORAL_ADDRESS;
  expect(address('prod')).toMatch(/\.tmprl\.cloud:7233$/);
  expect(address('dev')).toBe('temporal-frontend.temporal.svc:7233');
});
