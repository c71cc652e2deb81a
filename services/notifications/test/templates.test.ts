import { mmss, render, splitForDiscord, templates } from '../src/domain/templates';

test("seed 001's renewal messages, word for word", () => {
  expect(render('pack_one_session_left', {}).text).toBe('You have 1 session remaining. Renew now to continue.');
  expect(render('pack_complete_renew', {}).text).toBe('Your pack is complete. Renew within 72 hours to keep your seat.');
  expect(render('pack_seat_final_warning', {}).text).toBe('Your seat will be released in 12 hours. Renew now to keep your mentorship active.');
});

test('session and payment messages carry their data', () => {
  expect(render('session_started', { duration_minutes: '5', expires_at: '17:23' }).text).toBe('Your 5-minute session has started. It ends at 17:23.');
  expect(render('session_ended', { duration_used_seconds: '1500' }).text).toBe('Your session has ended after 25 minutes.');
  expect(render('session_extended', { added_minutes: '15', expires_at: '18:00' }).text).toBe('Your session was extended by 15 minutes. It now ends at 18:00.');
  expect(render('payment_received_waiting', { cooldown_remaining_seconds: '125' }).text).toBe('Payment received. Waiting for cooldown to end (02:05).');
  expect(render('session_ending_soon', {}).text).toBe('1 minute left in your session.');
  expect(render('payment_received', {})).toMatchObject({ transactional: true, category: 'payments' });
});

test('every template renders text and safe HTML', () => {
  for (const id of Object.keys(templates)) {
    const r = render(id, { duration_minutes: '5', expires_at: '<b>x</b>' });
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
