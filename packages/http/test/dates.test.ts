import { dateTimeWithin, days } from '../src';

test('a date-time inside its window passes; outside it, or malformed, it does not', () => {
  const schema = dateTimeWithin({ notBeforeMs: 10 * 60_000, notAfterMs: days(30), what: 'scheduled_at' });
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  for (const ok of [at(0), at(-5 * 60_000), at(days(29)), at(days(1)).replace('Z', '+02:00')]) expect({ ok, pass: schema.safeParse(ok).success }).toEqual({ ok, pass: true });
  for (const bad of [at(-20 * 60_000), at(days(31)), '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'tomorrow', '2026-13-45T00:00:00Z']) expect({ bad, pass: schema.safeParse(bad).success }).toEqual({ bad, pass: false });
  const refused = schema.safeParse('9999-12-31T23:59:59Z');
  expect(refused.success || refused.error.issues[0]!.message).toBe('scheduled_at must be from 10 minutes ago to 30 days ahead');
});
