import { isTransientFailure } from '../src/transient';

test('unavailability of Postgres, Temporal, the network or a Kafka broker is transient', () => {
  expect(isTransientFailure(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true); // admin shutdown
  expect(isTransientFailure(Object.assign(new Error('x'), { code: '08006' }))).toBe(true); // connection failure
  expect(isTransientFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isTransientFailure(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
  expect(isTransientFailure(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }))).toBe(true);
  // Temporal's own limits (e.g. the namespace's requests per second) ask the caller to back off, not to fail.
  expect(isTransientFailure(Object.assign(new Error('8 RESOURCE_EXHAUSTED: namespace rate limit exceeded'), { code: 8 }))).toBe(true);
  expect(isTransientFailure(new Error('update failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe(true);
  expect(isTransientFailure(Object.assign(new Error('broker'), { name: 'KafkaJSConnectionError', retriable: true }))).toBe(true);
});

test('a problem with the message or the handler is not', () => {
  expect(isTransientFailure(new Error('handler failure'))).toBe(false);
  expect(isTransientFailure(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  expect(isTransientFailure(Object.assign(new Error('check violation'), { code: '23514' }))).toBe(false);
  expect(isTransientFailure(Object.assign(new Error('3 INVALID_ARGUMENT'), { code: 3 }))).toBe(false);
  expect(isTransientFailure(undefined)).toBe(false);
});
