import { isPermanentFailure, sqlStateOf } from '../src';

const pg = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

test('what the data itself makes fail again is permanent: PostgreSQL classes 22 and 23, a non-retryable failure', () => {
  for (const code of ['22021', '22P05', '22003', '22001', '22P02', '22008', '23502', '23503', '23514']) expect(isPermanentFailure(pg(code))).toBe(true);
  expect(isPermanentFailure(new Error('wrapped', { cause: pg('22021') }))).toBe(true);
  expect(isPermanentFailure(Object.assign(new Error('refused'), { nonRetryable: true }))).toBe(true);
  expect(sqlStateOf(new Error('wrapped', { cause: pg('22021') }))).toBe('22021');
});

test('a race, an outage and anything unknown are not', () => {
  for (const code of ['23505', '23P01', '40001', '40P01', '57P01', '08006', 'ECONNREFUSED']) expect(isPermanentFailure(pg(code))).toBe(false);
  expect(isPermanentFailure(new Error('handler failure'))).toBe(false);
  expect(isPermanentFailure(Object.assign(new Error('retry me'), { nonRetryable: false }))).toBe(false);
  expect(isPermanentFailure(undefined)).toBe(false);
});
