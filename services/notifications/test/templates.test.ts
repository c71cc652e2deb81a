import { mmss, render, splitForDiscord, templates } from '../src/domain/templates';
import { defaultReader, formatMoney, humanDuration, isLocale, isTimeZone, plural, type Reader } from '../src/domain/words';

const now = new Date('2026-12-01T04:00:00.000Z');
const reader = (r: Partial<Reader> = {}): Reader => ({ ...defaultReader(now), ...r });
const hoursFromNow = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();

test("seed 001's renewal messages, word for word, with their numbers from the pack's events", () => {
  expect(render('pack_one_session_left', { remaining_sessions: '1' }, reader()).text).toBe('You have 1 session remaining. Renew now to continue.');
  expect(render('pack_complete_renew', { grace_hours: '72' }, reader()).text).toBe('Your pack is complete. Renew within 72 hours to keep your seat.');
  expect(render('pack_seat_final_warning', { grace_ends_at: hoursFromNow(12) }, reader()).text).toBe('Your seat will be released in 12 hours. Renew now to keep your mentorship active.');
  expect(render('pack_seat_final_warning', { grace_ends_at: hoursFromNow(12) }, reader()).subject).toBe('Your seat will be released in 12 hours');
});

test('no number is written into a template: other grace hours, warnings and prices read as given', () => {
  expect(render('pack_complete_renew', { grace_hours: '48' }, reader()).text).toBe('Your pack is complete. Renew within 48 hours to keep your seat.');
  expect(render('pack_seat_final_warning', { grace_ends_at: hoursFromNow(6) }, reader()).text).toMatch(/released in 6 hours\./);
  expect(render('pack_seat_final_warning', { grace_ends_at: new Date(now.getTime() + 30 * 60_000).toISOString() }, reader()).text).toMatch(/released in 30 minutes\./);
  expect(render('cooldown_over', { price_cents: '799', currency: 'usd' }, reader()).text).toBe('Your cooldown is over. Pay $7.99 to start your next session.');
  expect(render('cooldown_over', {}, reader()).text).toBe('Your cooldown is over. Buy a session credit to start your next session.');
  expect(render('session_ending_soon', { warning_seconds: '60' }, reader()).text).toBe('1 minute left in your session.');
  expect(render('session_ending_soon', { warning_seconds: '120' }, reader()).subject).toBe('2 minutes left');
  for (const [id, t] of Object.entries(templates)) expect({ id, source: t.text.toString() }).not.toEqual({ id, source: expect.stringMatching(/\$\d|\b(72|12|45|5\.99)\b/) });
});

test('durations say what happened: seconds, singular minutes, exact lengths', () => {
  expect(render('session_ended', { duration_used_seconds: '12' }, reader()).text).toBe('Your session has ended after 12 seconds.');
  expect(render('session_ended', { duration_used_seconds: '1500' }, reader()).text).toBe('Your session has ended after 25 minutes.');
  expect(render('session_extended', { added_minutes: '1', expires_at: hoursFromNow(1) }, reader()).text).toBe('Your session was extended by 1 minute. It now ends at Dec 1, 2026, 5:00 AM UTC.');
  const started = render('session_started', { duration_minutes: '2', started_at: now.toISOString(), expires_at: new Date(now.getTime() + 75_000).toISOString() }, reader());
  expect(started.text).toBe('Your session has started (1 minute 15 seconds). It ends at Dec 1, 2026, 4:01 AM UTC.');
  expect(humanDuration(0)).toBe('0 seconds');
  expect(humanDuration(1)).toBe('1 second');
  expect(humanDuration(60)).toBe('1 minute');
  expect(humanDuration(3600 * 2 + 300)).toBe('2 hours 5 minutes');
  expect(plural(1, 'credit')).toBe('1 credit');
  expect(plural(2, 'credit')).toBe('2 credits');
});

test("times and money are written in the reader's time zone and locale", () => {
  const at = hoursFromNow(0.5);
  expect(render('session_extended', { added_minutes: '15', expires_at: at }, reader({ timeZone: 'Europe/Paris', locale: 'en-GB' })).text).toBe('Your session was extended by 15 minutes. It now ends at 1 Dec 2026, 05:30 CET.');
  expect(render('session_extended', { added_minutes: '15', expires_at: at }, reader({ timeZone: 'America/New_York' })).text).toMatch(/ends at Nov 30, 2026, 11:30 PM EST\.$/);
  expect(formatMoney(599, 'usd', reader({ locale: 'fr-FR' }))).toMatch(/^5,99\s\$US$/);
  expect(isTimeZone('Europe/Paris')).toBe(true);
  expect(isTimeZone('Mars/Olympus')).toBe(false);
  expect(isLocale('en-GB')).toBe(true);
  expect(isLocale('not a locale')).toBe(false);
});

test("seed 002's payment message: waiting for the cooldown (mm:ss) while it runs, ready after it", () => {
  const paid = { quantity: '1', amount_cents: '599', currency: 'usd' };
  const waiting = render('payment_received', { ...paid, gate_known: 'true', cooldown_until: new Date(now.getTime() + 125_000).toISOString() }, reader());
  expect(waiting).toMatchObject({ transactional: true, category: 'payments', subject: 'Payment received' });
  expect(waiting.text).toBe('Payment received. Waiting for cooldown to end (02:05).\n$5.99: 1 session credit added.');
  expect(render('payment_received', { ...paid, gate_known: 'true', cooldown_until: '' }, reader()).text).toBe('Payment received. $5.99: 1 session credit added. You can start your next session now.');
  expect(render('payment_received', { ...paid, quantity: '2', amount_cents: '1198' }, reader()).text).toBe('Payment received. $11.98: 2 session credits added.');
  expect(render('payment_refunded', { quantity: '1', refunded_cents: '599', currency: 'usd' }, reader()).text).toBe('Your payment was refunded ($5.99): 1 session credit removed.');
  expect(render('extension_refunded', { minutes: '1', amount_cents: '40', currency: 'usd' }, reader()).text).toBe('Your session had ended before your 1 minute extension was paid, so the $0.40 will be refunded.');
  expect(render('payment_received_waiting', { cooldown_remaining_seconds: '125' }).text).toBe('Payment received. Waiting for cooldown to end (02:05).');
});

test('every template renders text and safe HTML', () => {
  for (const id of Object.keys(templates)) {
    const r = render(id, { duration_minutes: '5', expires_at: '<b>x</b>', grace_ends_at: '<b>x</b>' });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.html).not.toMatch(/<b>/);
  }
});

test('mm:ss and Discord splitting', () => {
  expect(mmss(0)).toBe('00:00');
  expect(mmss(599)).toBe('09:59');
  const long = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
  const parts = splitForDiscord(long);
  expect(parts.length).toBeGreaterThan(1);
  for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
  expect(parts.join(' ')).toBe(long);
  expect(splitForDiscord('short')).toEqual(['short']);
});
