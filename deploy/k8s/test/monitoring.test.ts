import { execFileSync } from 'node:child_process';
import { ALERTS } from '../src/monitoring';
import { kinds, repo } from './helpers';

// Every alert is about a metric something really exports: ours (grep the source for its name), Strimzi's Kafka
// exporter (enabled on the Kafka resource), or the Temporal SDK (the workers serve it on TEMPORAL_METRICS_PORT).
const FROM_COMPONENTS: Record<string, string> = {
  kafka_topic_partition_current_offset: 'kafka-exporter',
  temporal_workflow_task_schedule_to_start_latency_seconds_bucket: 'temporal-sdk',
  temporal_activity_execution_failed_total: 'temporal-sdk',
  temporal_worker_task_slots_available: 'temporal-sdk',
  temporal_request_failure_total: 'temporal-sdk',
};

const metricsOf = (expr: string) => [...expr.matchAll(/\b((?:hourglass|kafka|temporal)_[a-z_]+)\b/g)].map((m) => m[1]!);

test('every alert names a metric that is exported', () => {
  expect(ALERTS.length).toBeGreaterThanOrEqual(5);
  for (const a of ALERTS) {
    const metrics = metricsOf(a.expr);
    expect([a.alert, metrics.length > 0]).toEqual([a.alert, true]);
    for (const m of metrics) {
      if (m.startsWith('hourglass_')) {
        const found = execFileSync('grep', ['-rl', '--include=*.ts', `'${m}'`, 'packages', 'services'], { cwd: repo, encoding: 'utf8' }).trim();
        expect([a.alert, m, found.length > 0]).toEqual([a.alert, m, true]);
      } else {
        expect([a.alert, m, FROM_COMPONENTS[m]]).toEqual([a.alert, m, expect.any(String)]);
      }
    }
  }
});

test.each(['dev', 'prod'])('%s: the alerts, PodMonitors for every process and the SDK metrics, and the Kafka exporter are deployed', (env) => {
  expect(kinds(env, 'PrometheusRule')[0].spec.groups[0].rules.map((r: { alert: string }) => r.alert)).toEqual(ALERTS.map((a) => a.alert));
  expect(kinds(env, 'PodMonitor').map((p) => p.metadata.name).sort()).toEqual(['hourglass', 'hourglass-temporal-sdk', 'kafka-exporter']);
  expect(kinds(env, 'Kafka')[0].spec.kafkaExporter).toBeDefined();
  for (const w of kinds(env, 'Deployment').filter((d) => d.metadata.name.endsWith('-worker'))) {
    const c = w.spec.template.spec.containers[0];
    const port = Number(c.env.find((e: { name: string }) => e.name === 'TEMPORAL_METRICS_PORT').value);
    expect(c.ports).toContainEqual({ name: 'sdk-metrics', containerPort: port });
  }
});
