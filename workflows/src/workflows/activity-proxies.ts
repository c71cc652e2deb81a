import { proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../contracts/billing';
import { taskQueues } from '../contracts/common';
import type { PackActivities } from '../contracts/packs';
import type { SessionsActivities } from '../contracts/sessions';

// Activities are routed to the worker of the service that owns the data they touch. They retry until they
// succeed (backing off to 30 s) unless they refuse with a non-retryable failure (e.g. NO_CREDITS).
const retry = { initialInterval: '200ms', maximumInterval: '30s' };

export const billing = proxyActivities<BillingActivities>({ taskQueue: taskQueues.billing, startToCloseTimeout: '20s', retry });
export const sessions = proxyActivities<SessionsActivities>({ taskQueue: taskQueues.sessions, startToCloseTimeout: '20s', retry });
export const packs = proxyActivities<PackActivities>({ taskQueue: taskQueues.sessions, startToCloseTimeout: '20s', retry });
