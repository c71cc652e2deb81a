import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPool, dropDatabase, ensureDatabase, migrate, withDatabase } from '../src';

// A database of its own on the test stack's Postgres (not @hourglass/testing's throwawayDatabase: that package
// depends on this one).
const adminUrl = () => {
  const url = process.env.HOURGLASS_PG_ADMIN_URL;
  if (!url) throw new Error('HOURGLASS_PG_ADMIN_URL is not set: run the tests with `npm test` (it starts the stack)');
  return url;
};

test('several processes migrating one database at once all succeed, and each migration runs once', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  writeFileSync(path.join(dir, '001_slow.sql'), '-- Up Migration\nSELECT pg_sleep(0.5);\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n');
  const name = `t_migrate_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(adminUrl(), name);
  const url = withDatabase(adminUrl(), name);
  const pool = createPool({ connectionString: url, max: 2, applicationName: 'test-migrate' });
  try {
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(url, [{ dir, table: 'pgmigrations' }])));
    expect(results.flat()).toEqual(['001_slow']);
    expect((await pool.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(1);
  } finally {
    await pool.end();
    await dropDatabase(adminUrl(), name);
  }
});
