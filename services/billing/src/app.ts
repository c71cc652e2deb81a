import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import { createKafka, createOutboxRelay, ensureTopics } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { createPool } from '@hourglass/postgres';
import { topicNames } from '@hourglass/proto';
import { runMigrations } from './adapters/database';
import type { BillingConfig } from './config';
import { billingAdminRoutes, billingRoutes } from './http/routes';

/** The billing API process: plans, credits and usage over HTTP, and the outbox relay for billing's events. */
export function createBillingApp(config: BillingConfig, logger: Logger) {
  const stops: Array<() => Promise<unknown>> = [];
  return {
    async start(): Promise<RunningServer> {
      await runMigrations(config.DATABASE_URL, logger);
      const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: 'billing-api' });
      stops.unshift(() => pool.end());
      const kafka = createKafka({ clientId: `billing-${config.INSTANCE_ID}`, brokers: config.KAFKA_BROKERS, logger });
      await ensureTopics(kafka, topicNames);
      const relay = createOutboxRelay({ pool, kafka, logger, instanceId: `billing-${config.INSTANCE_ID}` });
      await relay.start();
      stops.unshift(() => relay.stop());
      const admin = kafka.admin();
      await admin.connect();
      stops.unshift(() => admin.disconnect());

      const deps = { pool, defaultPlanId: config.DEFAULT_PLAN_ID };
      const { app } = createHttpApp({
        service: 'billing',
        logger,
        readiness: [
          { name: 'postgres', check: () => pool.query('SELECT 1') },
          { name: 'kafka', check: () => admin.describeCluster() },
        ],
        routes: (app) => {
          app.use('/api', billingRoutes(deps, config.JWT_SECRET));
          app.use('/admin', billingAdminRoutes(deps, config.JWT_SECRET));
        },
      });
      const server = await listen(app, config.PORT, config.HOST);
      stops.unshift(() => server.close());
      logger.info({ url: server.url }, 'billing API listening');
      return server;
    },
    async stop() {
      for (const stop of stops.splice(0)) await stop().catch((err) => logger.error({ err }, 'error while stopping'));
    },
  };
}
