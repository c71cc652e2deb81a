import pg from 'pg';
import { createPool, withTransaction } from '../src';

const adminUrl = () => {
  const url = process.env.HOURGLASS_PG_ADMIN_URL;
  if (!url) throw new Error('HOURGLASS_PG_ADMIN_URL is not set: run the tests with `npm test` (it starts the stack)');
  return url;
};

test('a connection that dies between two queries of a transaction fails that transaction, not the process; the pool carries on', async () => {
  const pool = createPool({ connectionString: adminUrl(), max: 2, applicationName: 'test-tx-broken' });
  const killer = new pg.Client({ connectionString: adminUrl() });
  await killer.connect();
  try {
    await expect(
      withTransaction(pool, async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // What a Postgres restart does to this connection, while no query of ours is running on it: without a
        // listener, the client's 'error' event would be an uncaught exception.
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((r) => setTimeout(r, 300));
        await tx.query('SELECT 1');
      }),
    ).rejects.toThrow();
    const { rows } = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    expect(rows[0]!.ok).toBe(1);
  } finally {
    await killer.end();
    await pool.end();
  }
});
