// Every message Hourglass sends, in one place: typed data in, the same words for Discord and email out. Every number
// in a message (lengths, hours, prices, times) comes from the event's data and the reader — none is written here.
import { defaultReader, formatMoney, formatTime, humanDuration, mmss, plural, timeLeft, type Reader } from './words';

export { mmss } from './words';

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
  subject: (d: Data, r: Reader) => string;
  text: (d: Data, r: Reader) => string;
}

const num = (v: string | undefined): number | null => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const at = (iso: string | undefined, r: Reader, otherwise: string) => formatTime(iso, r) ?? otherwise;
const money = (d: Data, r: Reader, field = 'amount_cents') => {
  const cents = num(d[field]);
  return cents !== null && cents > 0 && d.currency ? formatMoney(cents, d.currency, r) : null;
};
const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A session's length: exact from its start and deadline, else its whole minutes. */
function sessionLength(d: Data): string | null {
  const start = Date.parse(d.started_at ?? '');
  const end = Date.parse(d.expires_at ?? '');
  if (Number.isFinite(start) && Number.isFinite(end) && end > start) return humanDuration((end - start) / 1000);
  const minutes = num(d.duration_minutes);
  return minutes !== null && minutes > 0 ? humanDuration(minutes * 60) : null;
}

/** Seed 002: during the cooldown, "Payment received. Waiting for cooldown to end (mm:ss)"; after it, ready. */
function paymentReceived(d: Data, r: Reader): string {
  const quantity = num(d.quantity) ?? 1;
  const paid = money(d, r);
  const what = `${paid ? `${paid}: ` : ''}${plural(quantity, 'session credit')} added.`;
  const cooldownEnds = Date.parse(d.cooldown_until ?? '');
  if (Number.isFinite(cooldownEnds) && cooldownEnds > r.now.getTime()) return `Payment received. Waiting for cooldown to end (${mmss((cooldownEnds - r.now.getTime()) / 1000)}).\n${what}`;
  const next = d.active_session_id ? 'It is kept for your next session.' : d.auto_start === 'true' ? 'Your next session starts by itself.' : d.gate_known === 'true' ? 'You can start your next session now.' : '';
  return `Payment received. ${what}${next ? ` ${next}` : ''}`;
}

export const templates: Record<string, Template> = {
  // Seed 001: the three renewal messages, word for word, their numbers from the pack's events.
  pack_one_session_left: {
    category: 'packs',
    subject: (d) => `${capitalised(plural(num(d.remaining_sessions) ?? 1, 'session'))} left in your pack`,
    text: (d) => `You have ${plural(num(d.remaining_sessions) ?? 1, 'session')} remaining. Renew now to continue.`,
  },
  pack_complete_renew: {
    category: 'packs',
    subject: () => 'Your pack is complete',
    text: (d) => {
      const hours = num(d.grace_hours);
      return `Your pack is complete. Renew ${hours !== null ? `within ${plural(hours, 'hour')}` : 'soon'} to keep your seat.`;
    },
  },
  pack_seat_final_warning: {
    category: 'packs',
    subject: (d, r) => `Your seat will be released ${releasedIn(d, r)}`,
    text: (d, r) => `Your seat will be released ${releasedIn(d, r)}. Renew now to keep your mentorship active.`,
  },
  // Seeds 000/002/004: the session's life.
  session_started: {
    category: 'sessions',
    subject: () => 'Your session has started',
    text: (d, r) => {
      const length = sessionLength(d);
      return `Your session has started${length ? ` (${length})` : ''}. It ends at ${at(d.expires_at, r, 'the time shown in the app')}.`;
    },
  },
  session_ending_soon: {
    category: 'sessions',
    subject: (d) => `${capitalised(humanDuration(num(d.warning_seconds) ?? 60))} left`,
    text: (d) => `${capitalised(humanDuration(num(d.warning_seconds) ?? 60))} left in your session.`,
  },
  session_ended: { category: 'sessions', subject: () => 'Your session has ended', text: (d) => `Your session has ended after ${humanDuration(num(d.duration_used_seconds) ?? 0)}.` },
  session_expired: { category: 'sessions', subject: () => 'Your session has expired', text: () => 'Session has expired.' },
  session_extended: {
    category: 'sessions',
    subject: () => 'Your session was extended',
    text: (d, r) => `Your session was extended by ${humanDuration((num(d.added_minutes) ?? 0) * 60)}. It now ends at ${at(d.expires_at, r, 'the time shown in the app')}.`,
  },
  // Seed 002: pay-per-session gate.
  payment_received_waiting: { category: 'payments', transactional: true, subject: () => 'Payment received', text: (d) => `Payment received. Waiting for cooldown to end (${mmss(Number(d.cooldown_remaining_seconds ?? 0))}).` },
  payment_received: { category: 'payments', transactional: true, subject: () => 'Payment received', text: paymentReceived },
  payment_refunded: {
    category: 'payments',
    transactional: true,
    subject: () => 'Payment refunded',
    text: (d, r) => {
      const back = money(d, r, 'refunded_cents');
      return `Your payment was refunded${back ? ` (${back})` : ''}: ${plural(num(d.quantity) ?? 1, 'session credit')} removed.`;
    },
  },
  extension_refunded: {
    category: 'payments',
    transactional: true,
    subject: () => 'Your extension will be refunded',
    text: (d, r) => {
      const paid = money(d, r);
      return `Your session had ended before your ${humanDuration((num(d.minutes) ?? 0) * 60)} extension was paid, so ${paid ? `the ${paid}` : 'the payment'} will be refunded.`;
    },
  },
  cooldown_over: {
    category: 'sessions',
    subject: () => 'You can start your next session',
    text: (d, r) => {
      const price = money(d, r, 'price_cents');
      return `Your cooldown is over. ${price ? `Pay ${price}` : 'Buy a session credit'} to start your next session.`;
    },
  },
};

function releasedIn(d: Data, r: Reader): string {
  const ends = Date.parse(d.grace_ends_at ?? '');
  if (Number.isFinite(ends)) return `in ${timeLeft(ends, r)}`;
  const hours = num(d.warning_hours);
  return hours !== null ? `in ${plural(hours, 'hour')}` : 'soon';
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Renders a template for a reader; an unknown template id is a programming error upstream and renders a visible fallback. */
export function render(templateId: string, data: Data, reader: Reader = defaultReader()): Rendered {
  const t = templates[templateId];
  if (!t) {
    const text = `Notification: ${templateId}`;
    return { subject: text, text, html: `<p>${escapeHtml(text)}</p>`, category: 'sessions', transactional: false };
  }
  const text = t.text(data, reader);
  return { subject: t.subject(data, reader), text, html: text.split('\n').map((line) => `<p>${escapeHtml(line)}</p>`).join(''), category: t.category, transactional: t.transactional ?? false };
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
