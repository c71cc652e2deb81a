import { routeOf, type Preferences } from '../src/domain/routing';

const prefs = (p: Partial<Preferences> = {}): Preferences => ({ email: 'a@example.test', discord_webhook_url: 'https://discord.com/api/webhooks/1/x', discord_dead: false, channels: {}, quiet: false, ...p });
const packs = { category: 'packs', transactional: false };
const payment = { category: 'payments', transactional: true };

test('both channels chosen → both', () => {
  expect(routeOf(packs, prefs({ channels: { packs: ['discord', 'email'] } }), null, true)).toEqual({ channels: ['discord', 'email'], email: 'a@example.test' });
  expect(routeOf(packs, prefs(), null, true).channels).toEqual(['discord', 'email']);
  expect(routeOf(packs, prefs({ channels: { packs: ['discord'] } }), null, true).channels).toEqual(['discord']);
});

test('a dead Discord webhook → its messages go by email until a new webhook is set', () => {
  expect(routeOf(packs, prefs({ channels: { packs: ['discord'] }, discord_dead: true }), null, true)).toEqual({ channels: ['email'], email: 'a@example.test' });
  expect(routeOf(packs, prefs({ channels: { packs: ['discord'] }, discord_dead: true, email: null }), null, true)).toMatchObject({ channels: [], why: 'no channel wanted or configured' });
});

test('payments always go by email — to a known address when there are no preferences', () => {
  expect(routeOf(payment, prefs({ channels: { payments: ['discord'] } }), null, true).channels).toEqual(['discord', 'email']);
  expect(routeOf(payment, prefs({ quiet: true }), null, true).channels).toEqual(['email']);
  expect(routeOf(payment, null, 'payer@example.test', true)).toEqual({ channels: ['email'], email: 'payer@example.test' });
  expect(routeOf(payment, null, null, true)).toMatchObject({ channels: [], why: 'no preferences: nowhere to send' });
  expect(routeOf(packs, null, 'payer@example.test', true).channels).toEqual([]);
  expect(routeOf(payment, null, 'payer@example.test', false)).toMatchObject({ channels: [], why: 'email is not configured' });
});

test('quiet silences everything but payments', () => {
  expect(routeOf(packs, prefs({ quiet: true }), null, true).channels).toEqual([]);
});
