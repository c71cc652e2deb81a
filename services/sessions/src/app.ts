import { createHmac } from 'node:crypto';
import { adminConsole } from '@hourglass/admin-console';
import { createIdempotentConsumer, createKafka, createOutboxRelay, prepareTopics, registerConsumerLagMetrics, registerOutboxMetrics } from '@hourglass/kafka';
import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import type { Logger } from '@hourglass/logger';
import { createPool } from '@hourglass/postgres';
import { topicNames } from '@hourglass/proto';
import { Gauge } from 'prom-client';
import { createBillingClient } from './adapters/billing-client';
import { runMigrations } from './adapters/database';
import { createStreamHub } from './adapters/stream-hub';
import { createStreamQuota } from './adapters/stream-quota';
import { connectWorkflowGateway } from './adapters/temporal-gateway';
import { directDatabaseUrl, kafkaSecurity, temporalTls } from '@hourglass/config';
import type { SessionsConfig } from './config';
import { sessionAdminRoutes } from './http/admin-routes';
import { demoRoutes } from './http/demo-routes';
import { fileRoutes } from './http/file-routes';
import { packAdminRoutes, packRoutes } from './http/pack-routes';
import { sessionRoutes } from './http/routes';
import { streamRoutes } from './http/stream-routes';
import { createFileStorage } from './storage';
import { createStartLimiter } from './http/start-limiter';
import { incomingEventHandler, sessionsTopics } from './use-cases/incoming-events';
import { createStaleStartSweeper } from './use-cases/stale-start-sweeper';

export interface SessionsApp {
  start(): Promise<RunningServer>;
  stop(): Promise<void>;
}

/** The sessions API process: HTTP API, outbox relay. Built from config; owns the lifecycle of what it opens. */
export function createSessionsApp(config: SessionsConfig, logger: Logger): SessionsApp {
  const stops: Array<() => Promise<unknown>> = [];

  return {
    async start() {
      await runMigrations(directDatabaseUrl(config), logger);
      const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_MAX, applicationName: 'sessions-api' });
      stops.unshift(() => pool.end());
      // The relay's leader lock and LISTEN (and the event streams' LISTEN) need a session: past the pooler when there is one.
      const sessionPool = config.DATABASE_DIRECT_URL ? createPool({ connectionString: config.DATABASE_DIRECT_URL, max: config.DATABASE_DIRECT_POOL_MAX, applicationName: 'sessions-api-session' }) : pool;
      if (sessionPool !== pool) stops.unshift(() => sessionPool.end());

      const kafka = createKafka({ clientId: `sessions-${config.INSTANCE_ID}`, brokers: config.KAFKA_BROKERS, logger, security: kafkaSecurity(config) });
      await prepareTopics(kafka, topicNames, { mode: config.KAFKA_TOPICS, timeoutMs: config.KAFKA_TOPICS_WAIT_MS, logger });
      const relay = createOutboxRelay({ pool: sessionPool, kafka, logger, instanceId: `sessions-${config.INSTANCE_ID}` });
      await relay.start();
      stops.unshift(() => relay.stop());

      const gateway = await connectWorkflowGateway({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, tls: temporalTls(config) });
      stops.unshift(() => gateway.close());
      const billing = createBillingClient({ baseUrl: config.BILLING_URL, jwtSecret: config.JWT_SECRET });
      const deps = { pool, gateway, workflows: gateway, billing, logger, startDeadlineMs: config.START_DEADLINE_MS };
      const packDeps = { ...deps, graceHours: config.PACK_GRACE_HOURS, finalWarningHours: config.PACK_FINAL_WARNING_HOURS };

      const consumer = createIdempotentConsumer({
        kafka,
        pool,
        groupId: 'sessions',
        topics: sessionsTopics,
        logger,
        handler: incomingEventHandler(packDeps),
      });
      await consumer.start();
      stops.unshift(() => consumer.stop());
      const sweeper = createStaleStartSweeper(deps, { olderThanMs: config.STALE_START_AFTER_MS, everyMs: config.STALE_START_SWEEP_MS });
      sweeper.start();
      stops.unshift(() => sweeper.stop());
      const hub = createStreamHub(sessionPool, logger);
      await hub.start();
      stops.unshift(() => hub.stop());
      const storage = createFileStorage(config);
      const fileDeps = {
        ...deps,
        storage,
        signingSecret: config.FILE_URL_SECRET ?? createHmac('sha256', config.JWT_SECRET).update('hourglass session file links').digest('hex'),
        planUploadLimitMb: (userId: string) => billing.uploadLimitMb(userId),
      };
      const startLimiter = createStartLimiter({ perUser: config.START_INFLIGHT_PER_USER, perAddress: config.START_INFLIGHT_PER_ADDRESS });
      const admin = kafka.admin();
      await admin.connect();
      stops.unshift(() => admin.disconnect());

      const { app, registry } = createHttpApp({
        service: 'sessions',
        logger,
        readinessScope: config.READINESS_SCOPE,
        readiness: [
          { name: 'postgres', check: () => pool.query('SELECT 1') },
          { name: 'kafka', check: () => admin.describeCluster() },
          { name: 'temporal', check: () => gateway.ping() },
          { name: 'file-storage', check: () => storage.ping() },
        ],
        routes: (app, api) => {
          api.mount(app, '/api', streamRoutes({ ...deps, hub, quota: createStreamQuota(config.MAX_STREAMS_PER_USER) }, config.JWT_SECRET));
          api.mountOutside(app, '/demo', demoRoutes(), 'HTML demo page of a live session');
          api.mountOutside(
            app,
            '/console',
            adminConsole({
              upstreams: { sessions: `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`, billing: config.BILLING_URL, ...(config.NOTIFICATIONS_URL ? { notifications: config.NOTIFICATIONS_URL } : {}) },
              temporalUiUrl: config.TEMPORAL_UI_URL,
              temporalNamespace: config.TEMPORAL_NAMESPACE,
            }),
            'the operators’ console: static pages and a same-origin relay to the /admin and /api routes',
          );
          api.mount(app, '/api', fileRoutes(fileDeps, config.JWT_SECRET, config.PUBLIC_URL));
          api.mount(app, '/api', sessionRoutes(deps, startLimiter, config.JWT_SECRET));
          api.mount(app, '/api', packRoutes(packDeps, config.JWT_SECRET));
          api.mount(app, '/admin', packAdminRoutes(packDeps, config.JWT_SECRET));
          api.mount(app, '/admin', sessionAdminRoutes(packDeps, config.JWT_SECRET));
        },
      });
      const server = await listen(app, config.PORT, config.HOST);
      stops.unshift(() => server.close());
      stops.unshift(async () => hub.closeStreams());
      registerOutboxMetrics(registry, relay);
      registerConsumerLagMetrics(registry, admin, 'sessions', sessionsTopics);
      new Gauge({ name: 'hourglass_session_streams_open', help: 'Open session event streams (SSE) on this replica', registers: [registry], collect() { this.set(hub.connections()); } });
      logger.info({ url: server.url }, 'sessions API listening');
      return server;
    },

    async stop() {
      for (const stop of stops.splice(0)) {
        await stop().catch((err) => logger.error({ err }, 'error while stopping'));
      }
    },
  };
}
