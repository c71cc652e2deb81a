import { DomainError, errorStatus } from '../src';

describe('DomainError', () => {
  it('maps codes to status and serialises details flat', () => {
    const e = new DomainError('NO_CREDITS', 'No sessions available. Please purchase more.', { free_remaining: 0, paid_remaining: 0 });
    expect(e.status).toBe(402);
    expect(e.toJSON()).toEqual({ error: 'NO_CREDITS', message: 'No sessions available. Please purchase more.', free_remaining: 0, paid_remaining: 0 });
  });

  it('never maps a domain refusal to 5xx', () => {
    const refusals = Object.entries(errorStatus).filter(([code]) => !['INTERNAL', 'UNAVAILABLE'].includes(code));
    for (const [, status] of refusals) expect(status).toBeLessThan(500);
  });
});
