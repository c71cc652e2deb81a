import type { HandledEvent } from '@hourglass/kafka';
import type { EventOf } from '@hourglass/proto';
import { hasAutoStartWish } from '../adapters/start-gate-repository';
import { applyPaidExtension } from './extensions';
import { createPack, packIdForPayment, type PackDeps } from './packs';
import { tryAutoStart, type StartDeps } from './start-session';

/** What the sessions service hears from billing. */
export const sessionsTopics = ['billing.credit.granted.v1', 'billing.extension.paid.v1', 'billing.pack.paid.v1'] as const;
type SessionsTopic = (typeof sessionsTopics)[number];

/**
 * Billing's events, each applied once (the consumer's dedupe mark commits with the handler's writes):
 * - a credit granted → the user's auto-start wish, if any, is tried now (paid during the cooldown: starts at its end;
 *   paid after it: starts at once);
 * - a pack paid → the pack is created (once per payment);
 * - an extension paid → the session's deadline moves (once per payment), or billing hears it could not be applied.
 */
export function incomingEventHandler(deps: StartDeps & PackDeps) {
  return async (event: HandledEvent<SessionsTopic>): Promise<void> => {
    switch (event.topic) {
      case 'billing.credit.granted.v1': {
        const m = event.message as EventOf<'billing.credit.granted.v1'>;
        // Most users have no wish: one indexed read, and no lock, decides that.
        if (await hasAutoStartWish(deps.pool, m.userId)) await tryAutoStart(deps, m.userId);
        return;
      }
      case 'billing.pack.paid.v1': {
        const m = event.message as EventOf<'billing.pack.paid.v1'>;
        await createPack(deps, { studentId: m.userId, mentorId: m.mentorId, sessions: m.sessions, packId: packIdForPayment(m.paymentId), paid: true });
        return;
      }
      case 'billing.extension.paid.v1': {
        const m = event.message as EventOf<'billing.extension.paid.v1'>;
        await applyPaidExtension(event.client, deps.gateway, { paymentId: m.paymentId, sessionId: m.sessionId, userId: m.userId, minutes: m.minutes });
        return;
      }
    }
  };
}
