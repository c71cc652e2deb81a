import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import { createIdempotentConsumer, createKafka, ensureTopics } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { createPool } from '@hourglass/postgres';
import { topicNames } from '@hourglass/proto';
import { runMigrations } from './adapters/database';
import type { NotificationsConfig } from './config';
import { intakeTopics } from './domain/intake';
import { adminRoutes } from './http/routes';
import { takeIn } from './use-cases/intake';

/** The notifications process: Kafka intake into the delivery log, and the operators' API. */
export function createNotificationsApp(config: NotificationsConfig, logger: Logger) {
  const stops: Array<() => Promise<unknown>> = [];
  return {
    async start(): Promise<RunningServer> {
      await runMigrations(config.DATABASE_URL, logger);
      const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: 'notifications' });
      stops.unshift(() => pool.end());
      const kafka = createKafka({ clientId: `notifications-${config.INSTANCE_ID}`, brokers: config.KAFKA_BROKERS, logger });
      await ensureTopics(kafka, topicNames);
      const consumer = createIdempotentConsumer({
        kafka,
        pool,
        groupId: 'notifications',
        topics: intakeTopics,
        logger,
        handler: takeIn,
        onFatal: (err) => {
          logger.fatal({ err }, 'consumer cannot continue');
          process.exit(1);
        },
      });
      await consumer.start();
      stops.unshift(() => consumer.stop());
      const admin = kafka.admin();
      await admin.connect();
      stops.unshift(() => admin.disconnect());

      const { app } = createHttpApp({
        service: 'notifications',
        logger,
        readiness: [
          { name: 'postgres', check: () => pool.query('SELECT 1') },
          { name: 'kafka', check: () => admin.describeCluster() },
        ],
        routes: (app) => app.use('/admin', adminRoutes(pool, config.JWT_SECRET)),
      });
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
