import { createHttpApp, listen, type RunningServer } from '@hourglass/http';
import { createIdempotentConsumer, createKafka, createOutboxRelay, ensureTopics, registerConsumerLagMetrics, registerOutboxMetrics } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { afterCommit, createPool } from '@hourglass/postgres';
import { topicNames, type EventOf } from '@hourglass/proto';
import Stripe from 'stripe';
import { runMigrations } from './adapters/database';
import { createInboxProcessor } from './payments/processor';
import { refundLateExtension } from './use-cases/late-extensions';
import { checkoutRoutes, paymentAdminRoutes, webhookRoutes } from './http/payment-routes';
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
      // An extension paid for a session that had already ended comes back from sessions: its payment is refunded.
      const rejected = createIdempotentConsumer({
        kafka,
        pool,
        groupId: 'billing',
        topics: ['sessions.extension.rejected.v1'],
        logger,
        handler: async ({ message, client }) => {
          const outcome = await refundLateExtension(client, message as EventOf<'sessions.extension.rejected.v1'>, logger);
          afterCommit(client, () => {
            logger.info({ paymentId: (message as EventOf<'sessions.extension.rejected.v1'>).paymentId, outcome }, 'late extension payment');
            inbox.kick();
          });
        },
        onFatal: (err) => {
          logger.fatal({ err }, 'consumer cannot continue');
          process.exit(1);
        },
      });
      await rejected.start();
      stops.unshift(() => rejected.stop());
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
        },
      });
      registerOutboxMetrics(registry, relay);
      registerConsumerLagMetrics(registry, admin, 'billing', ['sessions.extension.rejected.v1']);
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
