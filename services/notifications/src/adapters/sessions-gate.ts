import { signToken } from '@hourglass/auth';

interface Logger {
  warn(obj: object, msg?: string): void;
}

/**
 * The user's gate as the sessions service sees it now (cooldown, auto-start, active session), asked with a short-lived
 * service token — the cooldown lives there. "Payment received" is written when it is sent, so its mm:ss is the time
 * left at that moment. Sessions not answering within the timeout gives no data (the message goes without the
 * countdown) rather than holding a payment confirmation back.
 */
export function createGateLookup({ sessionsUrl, jwtSecret, logger, timeoutMs = 2000 }: { sessionsUrl: string; jwtSecret: string; logger: Logger; timeoutMs?: number }) {
  return async (userId: string): Promise<Record<string, string>> => {
    try {
      const url = new URL('/api/users/me/gate', sessionsUrl);
      url.searchParams.set('user_id', userId);
      const token = await signToken({ sub: 'notifications', role: 'service' }, jwtSecret, '5m');
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`sessions answered ${res.status}`);
      const gate = (await res.json()) as { cooldown_until?: string | null; auto_start?: boolean; active_session_id?: string | null };
      return { gate_known: 'true', cooldown_until: gate.cooldown_until ?? '', auto_start: String(Boolean(gate.auto_start)), active_session_id: gate.active_session_id ?? '' };
    } catch (err) {
      logger.warn({ err, userId }, 'the sessions gate did not answer: payment message without the cooldown');
      return {};
    }
  };
}

/** Which templates need the gate as of sending. */
export const needsGate = (templateId: string) => templateId === 'payment_received';
