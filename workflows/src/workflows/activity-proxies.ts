import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../contracts/billing';
import { taskQueues } from '../contracts/common';
import type { PackActivities } from '../contracts/packs';
import type { SessionStepActivities, SessionsActivities } from '../contracts/sessions';

// Activities are routed to the worker of the service that owns the data they touch. They retry until they
// succeed (backing off to 30 s) unless they refuse with a non-retryable failure (e.g. NO_CREDITS).
const retry = { initialInterval: '200ms', maximumInterval: '30s' };

export const billing = proxyActivities<BillingActivities>({ taskQueue: taskQueues.billing, startToCloseTimeout: '20s', retry });
export const sessions = proxyActivities<SessionsActivities>({ taskQueue: taskQueues.sessions, startToCloseTimeout: '20s', retry });
export const packs = proxyActivities<PackActivities>({ taskQueue: taskQueues.sessions, startToCloseTimeout: '20s', retry });

/**
 * A session's short steps run as local activities in the sessions worker: recorded as markers in the same workflow
 * task that asked for them, so a start, an extension or an end costs one workflow task, not a task-queue round trip
 * per step. They retry the same way (a database restarting delays a step, never loses it).
 */
export const steps = proxyLocalActivities<SessionStepActivities>({ startToCloseTimeout: '20s', localRetryThreshold: '10s', retry });
