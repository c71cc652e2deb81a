import { directDatabaseUrl, kafkaSecurity } from '@hourglass/config';
import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import { createIdempotentConsumer, createKafka, createOutboxRelay, prepareTopics, registerConsumerLagMetrics, registerOutboxMetrics } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { afterCommit, createPool } from '@hourglass/postgres';
import { topicNames, type EventOf } from '@hourglass/proto';
import Stripe from 'stripe';
import { runMigrations } from './adapters/database';
import { createInboxProcessor } from './payments/processor';
import { refundLateExtension } from './use-cases/late-extensions';
import { refundConsumptionInTx } from './use-cases/ledger';
import { checkoutRoutes, paymentAdminRoutes, webhookRoutes } from './http/payment-routes';
import type { BillingConfig } from './config';
import { internalRoutes } from './http/internal-routes';
import { billingAdminRoutes, billingRoutes } from './http/routes';

const billingTopics = ['sessions.extension.rejected.v1', 'sessions.session.abandoned.v1'] as const;

/** The billing API process: plans, credits and usage over HTTP, and the outbox relay for billing's events. */
export function createBillingApp(config: BillingConfig, logger: Logger) {
  const stops: Array<() => Promise<unknown>> = [];
  return {
    async start(): Promise<RunningServer> {
      await runMigrations(directDatabaseUrl(config), logger);
      const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_MAX, applicationName: 'billing-api' });
      stops.unshift(() => pool.end());
      // The relay's leader lock and LISTEN (and the event streams' LISTEN) need a session: past the pooler when there is one.
      const sessionPool = config.DATABASE_DIRECT_URL ? createPool({ connectionString: config.DATABASE_DIRECT_URL, max: config.DATABASE_DIRECT_POOL_MAX, applicationName: 'billing-api-session' }) : pool;
      if (sessionPool !== pool) stops.unshift(() => sessionPool.end());
      const kafka = createKafka({ clientId: `billing-${config.INSTANCE_ID}`, brokers: config.KAFKA_BROKERS, logger, security: kafkaSecurity(config) });
      await prepareTopics(kafka, topicNames, { mode: config.KAFKA_TOPICS, timeoutMs: config.KAFKA_TOPICS_WAIT_MS, logger });
      const relay = createOutboxRelay({ pool: sessionPool, kafka, logger, instanceId: `billing-${config.INSTANCE_ID}` });
      await relay.start();
      stops.unshift(() => relay.stop());
      const admin = kafka.admin();
      await admin.connect();
      stops.unshift(() => admin.disconnect());

      const deps = { pool, defaultPlanId: config.DEFAULT_PLAN_ID };
      const stripeUrl = new URL(config.STRIPE_API_URL);
      const stripe = new Stripe(config.STRIPE_SECRET_KEY, {
        host: stripeUrl.hostname,
        port: Number(stripeUrl.port || (stripeUrl.protocol === 'https:' ? 443 : 80)),
        protocol: stripeUrl.protocol === 'https:' ? 'https' : 'http',
        maxNetworkRetries: 2,
        timeout: 10000,
      });
      const inbox = createInboxProcessor(deps, logger, { refunds: { pool, stripe, logger } });
      inbox.start();
      stops.unshift(() => inbox.stop());
      const consumer = createIdempotentConsumer({
        kafka,
        pool,
        groupId: 'billing',
        topics: billingTopics,
        logger,
        // Both handlers only write to billing's database: many events, one commit.
        batchSize: 50,
        handler: async (event) => {
          if (event.topic === 'sessions.session.abandoned.v1') {
            // A start that never began: its credit comes back (or is never taken, if its consumption is still on its way).
            const m = event.message as EventOf<'sessions.session.abandoned.v1'>;
            await refundConsumptionInTx(event.client, deps, { userId: m.userId, sessionId: m.sessionId, reason: m.reason });
            return;
          }
          // An extension paid for a session that had already ended comes back from sessions: its payment is refunded.
          const message = event.message as EventOf<'sessions.extension.rejected.v1'>;
          const outcome = await refundLateExtension(event.client, message, logger);
          afterCommit(event.client, () => {
            logger.info({ paymentId: message.paymentId, outcome }, 'late extension payment');
            inbox.kick();
          });
        },
      });
      await consumer.start();
      stops.unshift(() => consumer.stop());
      const payments = {
        pool,
        stripe,
        config,
        prices: { sessionCents: config.SESSION_PRICE_CENTS, extensionCentsPerMinute: config.EXTENSION_CENTS_PER_MINUTE, packCents: config.PACK_PRICE_CENTS },
        paypal: config.PAYPAL_CLIENT_ID && config.PAYPAL_CLIENT_SECRET ? { apiUrl: config.PAYPAL_API_URL, clientId: config.PAYPAL_CLIENT_ID, clientSecret: config.PAYPAL_CLIENT_SECRET } : null,
        kick: inbox.kick,
      };
      const { app, registry } = createHttpApp({
        service: 'billing',
        logger,
        readinessScope: config.READINESS_SCOPE,
        readiness: [
          { name: 'postgres', check: () => pool.query('SELECT 1') },
          { name: 'kafka', check: () => admin.describeCluster() },
        ],
        routes: (app, api) => {
          api.mount(app, '/api', billingRoutes(deps, config.JWT_SECRET));
          api.mount(app, '/webhooks', webhookRoutes(payments));
          api.mount(app, '/api', checkoutRoutes(payments));
          api.mount(app, '/admin', billingAdminRoutes(deps, config.JWT_SECRET));
          api.mount(app, '/admin', paymentAdminRoutes(payments));
          api.mount(app, '/internal', internalRoutes(deps, config.JWT_SECRET));
        },
      });
      registerOutboxMetrics(registry, relay);
      registerConsumerLagMetrics(registry, admin, 'billing', billingTopics);
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
