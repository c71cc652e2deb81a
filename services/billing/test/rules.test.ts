import { addMonths, balances, burnOrder, checkLimits, periodAt, type Grant, type Plan } from '../src/domain/rules';

const now = new Date('2026-03-15T12:00:00Z');
const grant = (over: Partial<Grant>): Grant => ({ id: Math.random().toString(36), kind: 'paid', remaining: 1, priority: 0, expiresAt: null, createdAt: new Date('2026-01-01T00:00:00Z'), ...over });

describe('burn order', () => {
  it('free first, then test, then paid; pack only when asked for', () => {
    const g = [grant({ id: 'pack', kind: 'pack' }), grant({ id: 'paid', kind: 'paid' }), grant({ id: 'test', kind: 'test' }), grant({ id: 'free', kind: 'free' })];
    expect(burnOrder(g, now).map((x) => x.id)).toEqual(['free', 'test', 'paid']);
    expect(burnOrder(g, now, 'pack')[0]!.id).toBe('pack');
    expect(burnOrder(g, now, 'paid')[0]!.id).toBe('paid');
  });

  it('within a kind: priority, then soonest expiry (none last), then oldest', () => {
    const g = [
      grant({ id: 'old-no-expiry', createdAt: new Date('2025-01-01Z') }),
      grant({ id: 'new-no-expiry', createdAt: new Date('2026-02-01Z') }),
      grant({ id: 'expires-late', expiresAt: new Date('2026-12-01Z') }),
      grant({ id: 'expires-soon', expiresAt: new Date('2026-04-01Z') }),
      grant({ id: 'high-priority', priority: 5 }),
    ];
    expect(burnOrder(g, now).map((x) => x.id)).toEqual(['high-priority', 'expires-soon', 'expires-late', 'old-no-expiry', 'new-no-expiry']);
  });

  it('never uses expired or empty grants', () => {
    const g = [grant({ id: 'expired', kind: 'free', expiresAt: new Date('2026-03-15T11:59:59Z') }), grant({ id: 'empty', kind: 'free', remaining: 0 }), grant({ id: 'ok' })];
    expect(burnOrder(g, now).map((x) => x.id)).toEqual(['ok']);
    expect(balances(g, now)).toEqual({ free_remaining: 0, paid_remaining: 1, pack_remaining: 0, total_available: 1 });
  });
});

describe('plan limits', () => {
  const plan = { maxSessionsPerPeriod: 3, maxMinutesPerPeriod: 100 } as Plan;
  it('allows under the limits and refuses at them with the usage', () => {
    expect(checkLimits(plan, { sessions: 2, seconds: 99 * 60 + 59 })).toBeNull();
    expect(checkLimits(plan, { sessions: 3, seconds: 0 })).toEqual({ code: 'session_limit_exceeded', limit: 3, currentUsage: 3 });
    expect(checkLimits(plan, { sessions: 0, seconds: 100 * 60 })).toEqual({ code: 'minutes_limit_exceeded', limit: 100, currentUsage: 100 });
    expect(checkLimits({ maxSessionsPerPeriod: null, maxMinutesPerPeriod: null } as Plan, { sessions: 1e6, seconds: 1e9 })).toBeNull();
  });
});

describe('billing periods', () => {
  it('adds months clamping to month ends', () => {
    expect(addMonths(new Date('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addMonths(new Date('2028-01-31T10:00:00Z'), 1).toISOString()).toBe('2028-02-29T10:00:00.000Z');
    expect(addMonths(new Date('2026-11-30T00:00:00Z'), 3).toISOString()).toBe('2027-02-28T00:00:00.000Z');
  });

  it('finds the period containing now, anchored at the first period start (no drift after short months)', () => {
    const anchor = new Date('2026-01-31T00:00:00Z');
    expect(periodAt(anchor, 1, new Date('2026-02-15Z'))).toEqual({ start: anchor, end: new Date('2026-02-28T00:00:00Z') });
    expect(periodAt(anchor, 1, new Date('2026-03-05Z'))).toEqual({ start: new Date('2026-02-28T00:00:00Z'), end: new Date('2026-03-31T00:00:00Z') });
    expect(periodAt(anchor, 1, new Date('2027-05-31T00:00:00Z')).start).toEqual(new Date('2027-05-31T00:00:00Z'));
    const p = periodAt(anchor, 1, new Date('2031-07-04Z'));
    expect(p.start.getTime()).toBeLessThanOrEqual(Date.parse('2031-07-04Z'));
    expect(p.end.getTime()).toBeGreaterThan(Date.parse('2031-07-04Z'));
  });
});
