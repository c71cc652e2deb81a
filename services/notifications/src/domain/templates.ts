// Every message Hourglass sends, in one place: typed data in, the same words for Discord and email out.

export type Category = 'sessions' | 'payments' | 'packs';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
  category: Category;
  /** Transactional messages (payments) always go by email, whatever the preferences say. */
  transactional: boolean;
}

type Data = Record<string, string>;
interface Template {
  category: Category;
  transactional?: boolean;
  subject: (d: Data) => string;
  text: (d: Data) => string;
}

/** mm:ss of a number of seconds (seed 002's "Waiting for cooldown to end (mm:ss)"). */
export function mmss(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

const minutes = (seconds: string | undefined) => Math.max(0, Math.round(Number(seconds ?? 0) / 60));

export const templates: Record<string, Template> = {
  // Seed 001: the three renewal messages, word for word.
  pack_one_session_left: { category: 'packs', subject: () => 'One session left in your pack', text: () => 'You have 1 session remaining. Renew now to continue.' },
  pack_complete_renew: { category: 'packs', subject: () => 'Your pack is complete', text: () => 'Your pack is complete. Renew within 72 hours to keep your seat.' },
  pack_seat_final_warning: { category: 'packs', subject: () => 'Your seat will be released in 12 hours', text: () => 'Your seat will be released in 12 hours. Renew now to keep your mentorship active.' },
  // Seeds 000/002/004: the session's life.
  session_started: { category: 'sessions', subject: () => 'Your session has started', text: (d) => `Your ${d.duration_minutes ? `${d.duration_minutes}-minute ` : ''}session has started. It ends at ${d.expires_at || 'the time shown in the app'}.` },
  session_ending_soon: { category: 'sessions', subject: () => '1 minute left', text: () => '1 minute left in your session.' },
  session_ended: { category: 'sessions', subject: () => 'Your session has ended', text: (d) => `Your session has ended after ${minutes(d.duration_used_seconds)} minutes.` },
  session_expired: { category: 'sessions', subject: () => 'Your session has expired', text: () => 'Session has expired.' },
  session_extended: { category: 'sessions', subject: () => 'Your session was extended', text: (d) => `Your session was extended by ${d.added_minutes} minutes. It now ends at ${d.expires_at}.` },
  // Seed 002: pay-per-session gate.
  payment_received_waiting: { category: 'payments', transactional: true, subject: () => 'Payment received', text: (d) => `Payment received. Waiting for cooldown to end (${mmss(Number(d.cooldown_remaining_seconds ?? 0))}).` },
  payment_received: { category: 'payments', transactional: true, subject: () => 'Payment received', text: (d) => `Payment received: ${d.quantity ?? 1} session credit(s) added.` },
  payment_refunded: { category: 'payments', transactional: true, subject: () => 'Payment refunded', text: (d) => `Your payment was refunded; ${d.quantity ?? 1} credit(s) were removed.` },
  cooldown_over: { category: 'sessions', subject: () => 'You can start your next session', text: () => 'Your cooldown is over. Pay $5.99 to start your next session.' },
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Renders a template; an unknown template id is a programming error upstream and renders a visible fallback. */
export function render(templateId: string, data: Data): Rendered {
  const t = templates[templateId];
  if (!t) {
    const text = `Notification: ${templateId}`;
    return { subject: text, text, html: `<p>${escapeHtml(text)}</p>`, category: 'sessions', transactional: false };
  }
  const text = t.text(data);
  return { subject: t.subject(data), text, html: `<p>${escapeHtml(text)}</p>`, category: t.category, transactional: t.transactional ?? false };
}

/** Discord caps a message at 2000 characters: split on line or word boundaries, never mid-word when avoidable. */
export function splitForDiscord(text: string, limit = 2000): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut < limit / 2) cut = rest.lastIndexOf(' ', limit);
    if (cut < limit / 2) cut = limit;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length) parts.push(rest);
  return parts;
}
