import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { createEvent, decodeEvent, encodeEvent, keyOf, topicNames, topics } from '../src';

describe('topic registry', () => {
  it('names every topic <domain>.<event>.v<major> and keys it by a real string field', () => {
    for (const name of topicNames) {
      expect(name).toMatch(/^[a-z]+\.[a-z_.]+\.v[0-9]+$/);
      const spec = topics[name];
      const field = spec.schema.fields.find((f) => f.localName === spec.key);
      expect(field).toBeDefined();
      expect(field?.fieldKind).toBe('scalar');
      expect(spec.partitions).toBeGreaterThan(0);
    }
  });

  it('round-trips an event through bytes and derives its key', () => {
    const started = { sessionId: 's-1', userId: 'u-1', sessionType: 'freemium', mode: 'intake', durationMinutes: 5, startedAt: timestampFromDate(new Date('2026-01-16T17:18:13Z')), autoStarted: true };
    const bytes = encodeEvent('sessions.session.started.v1', started);
    const decoded = decodeEvent('sessions.session.started.v1', bytes);
    expect(decoded).toMatchObject({ sessionId: 's-1', userId: 'u-1', durationMinutes: 5, autoStarted: true });
    expect(decoded.startedAt?.seconds).toBe(BigInt(Date.parse('2026-01-16T17:18:13Z') / 1000));
    expect(keyOf('sessions.session.started.v1', decoded)).toBe('s-1');
    const request = createEvent('notifications.requested.v1', { requestId: 'r', recipientUserId: 'u-9', templateId: 't', data: { a: 'b' }, dedupeKey: 'k' });
    expect(keyOf('notifications.requested.v1', request)).toBe('u-9');
    expect(decodeEvent('notifications.requested.v1', encodeEvent('notifications.requested.v1', request)).data).toEqual({ a: 'b' });
  });

  it('refuses bytes that are not a message of the topic', () => {
    expect(() => decodeEvent('billing.credit.granted.v1', new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow();
  });

  it('refuses to key an event without its key field', () => {
    expect(() => keyOf('billing.credit.granted.v1', { grantId: 'g' })).toThrow(/userId/);
  });
});
