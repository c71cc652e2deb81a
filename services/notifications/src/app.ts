import { directDatabaseUrl, kafkaSecurity } from '@hourglass/config';
import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import { createIdempotentConsumer, createKafka, prepareTopics, registerConsumerLagMetrics } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { createPool } from '@hourglass/postgres';
import { topicNames } from '@hourglass/proto';
import { runMigrations } from './adapters/database';
import type { NotificationsConfig } from './config';
import { intakeTopics } from './domain/intake';
import { createGateLookup, needsGate } from './adapters/sessions-gate';
import { createEmailChannel } from './channels/email';
import { notificationAdminActions, preferenceRoutes } from './http/preferences';
import { adminRoutes } from './http/routes';
import { dispatchDue } from './use-cases/dispatch';
import { takeIn } from './use-cases/intake';

/** The notifications process: Kafka intake into the delivery log, and the operators' API. */
export function createNotificationsApp(config: NotificationsConfig, logger: Logger) {
  const stops: Array<() => Promise<unknown>> = [];
  return {
    async start(): Promise<RunningServer> {
      await runMigrations(directDatabaseUrl(config), logger);
      const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_MAX, applicationName: 'notifications' });
      stops.unshift(() => pool.end());
      const kafka = createKafka({ clientId: `notifications-${config.INSTANCE_ID}`, brokers: config.KAFKA_BROKERS, logger, security: kafkaSecurity(config) });
      await prepareTopics(kafka, topicNames, { mode: config.KAFKA_TOPICS, timeoutMs: config.KAFKA_TOPICS_WAIT_MS, logger });
      if (config.KAFKA_INTAKE === 'on') {
        const consumer = createIdempotentConsumer({
          kafka,
          pool,
          groupId: config.KAFKA_CONSUMER_GROUP,
          topics: intakeTopics,
          logger,
          handler: takeIn,
          // Intake only writes to this service's database: many events, one commit.
          batchSize: 50,
        });
        await consumer.start();
        stops.unshift(() => consumer.stop());
      }
      // Delivery: a dispatcher loop (replicas share the work through SKIP LOCKED claims).
      const email = config.SMTP_URL ? createEmailChannel({ smtpUrl: config.SMTP_URL, from: config.EMAIL_FROM }) : null;
      if (!email) logger.warn('SMTP_URL is not set: email notifications are not sent');
      const gate = config.SESSIONS_URL ? createGateLookup({ sessionsUrl: config.SESSIONS_URL, jwtSecret: config.JWT_SECRET, logger }) : null;
      const dispatch = {
        pool,
        email,
        discord: { allowLocal: config.DISCORD_ALLOW_LOCAL },
        staleClaimMs: config.STALE_CLAIM_MS,
        liveData: async (templateId: string, userId: string) => (gate && needsGate(templateId) ? gate(userId) : {}),
      };
      let dispatching: Promise<unknown> | null = null;
      const kick = () => {
        dispatching ??= dispatchDue(dispatch)
          .catch((err) => logger.error({ err }, 'dispatch failed'))
          .finally(() => {
            dispatching = null;
          });
      };
      const timer = setInterval(kick, config.DISPATCH_INTERVAL_MS);
      stops.unshift(async () => {
        clearInterval(timer);
        await dispatching;
        email?.close();
      });
      const admin = kafka.admin();
      await admin.connect();
      stops.unshift(() => admin.disconnect());

      const { app, registry } = createHttpApp({
        service: 'notifications',
        logger,
        readinessScope: config.READINESS_SCOPE,
        readiness: [
          { name: 'postgres', check: () => pool.query('SELECT 1') },
          { name: 'kafka', check: () => admin.describeCluster() },
        ],
        routes: (app, api) => {
          api.mount(app, '/api', preferenceRoutes(pool, config.JWT_SECRET, config.DISCORD_ALLOW_LOCAL));
          api.mount(app, '/admin', notificationAdminActions(pool, config.JWT_SECRET, kick));
          api.mount(app, '/admin', adminRoutes(pool, config.JWT_SECRET));
        },
      });
      registerConsumerLagMetrics(registry, admin, config.KAFKA_CONSUMER_GROUP, intakeTopics);
      const server = await listen(app, config.PORT, config.HOST);
      stops.unshift(() => server.close());
      logger.info({ url: server.url }, 'notifications listening');
      return server;
    },
    async stop() {
      for (const stop of stops.splice(0)) await stop().catch((err) => logger.error({ err }, 'error while stopping'));
    },
  };
}
