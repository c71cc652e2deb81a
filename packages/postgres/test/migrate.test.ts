import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { throwawayDatabase } from '@hourglass/testing';
import { migrate } from '../src';

test('several processes migrating one database at once all succeed, and each migration runs once', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  writeFileSync(path.join(dir, '001_slow.sql'), '-- Up Migration\nSELECT pg_sleep(0.5);\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n');
  const db = await throwawayDatabase('migrate');
  try {
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(db.url, [{ dir, table: 'pgmigrations' }])));
    expect(results.flat()).toEqual(['001_slow']);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(1);
  } finally {
    await db.drop();
  }
});
