import { KAFKA_CLUSTER } from './strimzi';
import { NAMESPACE, PROCESSES, SDK_METRICS_PORT } from './processes';

/**
 * Prometheus Operator resources: PodMonitors for every Hourglass process (`/metrics` on `http`; the workers' Temporal
 * SDK metrics on `sdk-metrics`) and for Strimzi's Kafka exporter, and the alerts that say the event path or the
 * workers are in trouble. (CNPG's clusters and poolers have their own PodMonitors: `monitoring.enablePodMonitor`.)
 */
export interface Alert {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string };
}

/** Metric names the alerts use, each exported by our code or by a component: test/monitoring.test.ts checks which. */
export const ALERTS: Alert[] = [
  {
    alert: 'HourglassOutboxStuck',
    expr: 'max by (namespace, pod) (hourglass_outbox_oldest_age_seconds) > 60',
    for: '5m',
    labels: { severity: 'critical' },
    annotations: { summary: 'Events are not leaving the outbox', description: 'The oldest unpublished outbox row of {{ $labels.pod }} is {{ $value | humanizeDuration }} old: the relay cannot publish (Kafka down, ACLs, a stuck leader).' },
  },
  {
    alert: 'HourglassConsumerLag',
    expr: 'max by (namespace, group, topic) (hourglass_consumer_lag) > 1000',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: { summary: 'A consumer group is falling behind', description: 'Group {{ $labels.group }} is {{ $value }} messages behind on {{ $labels.topic }}.' },
  },
  {
    alert: 'HourglassDeadLetters',
    expr: 'sum by (namespace, topic) (increase(kafka_topic_partition_current_offset{topic=~".+\\\\.dlq"}[15m])) > 0',
    for: '0m',
    labels: { severity: 'critical' },
    annotations: { summary: 'Messages went to a dead-letter topic', description: '{{ $value }} message(s) reached {{ $labels.topic }} in 15 minutes: a handler refuses them; each needs a look.' },
  },
  {
    alert: 'HourglassWorkflowTaskBacklog',
    expr: 'histogram_quantile(0.99, sum by (le, namespace, task_queue) (rate(temporal_workflow_task_schedule_to_start_latency_seconds_bucket[5m]))) > 5',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: { summary: 'Workflow tasks wait to be picked up', description: 'p99 schedule-to-start on {{ $labels.task_queue }} is {{ $value }} s: the workers are too few or stuck.' },
  },
  {
    alert: 'HourglassActivityFailures',
    expr: 'sum by (namespace, activity_type) (rate(temporal_activity_execution_failed_total[5m])) > 0.1',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: { summary: 'Activities keep failing', description: '{{ $labels.activity_type }} fails {{ $value }} times a second.' },
  },
  {
    alert: 'HourglassWorkerSlotsExhausted',
    expr: 'min by (namespace, pod, worker_type) (temporal_worker_task_slots_available) == 0',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: { summary: 'A worker has no free task slots', description: '{{ $labels.pod }} has no free {{ $labels.worker_type }} slots.' },
  },
  {
    alert: 'HourglassTemporalRequestFailures',
    expr: 'sum by (namespace, pod, operation) (rate(temporal_request_failure_total[5m])) > 0.5',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: { summary: 'Calls to Temporal fail', description: '{{ $labels.operation }} fails {{ $value }} times a second from {{ $labels.pod }}.' },
  },
];

export function monitoringResources(): Array<Record<string, unknown>> {
  const workers = PROCESSES.filter((p) => p.kind === 'worker').map((p) => p.name);
  return [
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'hourglass', namespace: NAMESPACE },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/part-of': 'hourglass' } }, podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }] },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'hourglass-temporal-sdk', namespace: NAMESPACE },
      spec: {
        selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: workers }] },
        podMetricsEndpoints: [{ port: 'sdk-metrics', path: '/metrics', interval: '30s' }],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'kafka-exporter', namespace: NAMESPACE },
      spec: { selector: { matchLabels: { 'strimzi.io/cluster': KAFKA_CLUSTER, 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': `${KAFKA_CLUSTER}-kafka-exporter` } }, podMetricsEndpoints: [{ port: 'tcp-prometheus', path: '/metrics', interval: '30s' }] },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'hourglass', namespace: NAMESPACE },
      spec: { groups: [{ name: 'hourglass', rules: ALERTS }] },
    },
  ];
}

export { SDK_METRICS_PORT };
