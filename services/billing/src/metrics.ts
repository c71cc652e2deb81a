import { counter } from '@hourglass/http';

// What billing counts, in whichever billing process did it (API: webhooks, grants; worker: consume, refund).
// Incremented after commit only (afterCommit), so a rolled-back or retried transaction is never counted.
export const creditsGranted = counter({ name: 'hourglass_credits_granted_total', help: 'Credits granted, by kind and source', labelNames: ['kind', 'source'] });
export const creditsConsumed = counter({ name: 'hourglass_credits_consumed_total', help: 'Credits consumed by session starts, by kind', labelNames: ['kind'] });
export const creditsRefunded = counter({ name: 'hourglass_credits_refunded_total', help: 'Credits given back (start failed, payment refunded), by kind', labelNames: ['kind', 'reason'] });
export const webhooksReceived = counter({ name: 'hourglass_webhooks_total', help: 'Payment webhooks by provider and outcome (stored, duplicate, rejected)', labelNames: ['provider', 'outcome'] });
