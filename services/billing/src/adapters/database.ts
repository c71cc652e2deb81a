import path from 'node:path';
import { kafkaMigrationsDir } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { migrate } from '@hourglass/postgres';

export const billingMigrations = [
  { dir: kafkaMigrationsDir, table: 'pgmigrations_kafka' },
  { dir: path.resolve(__dirname, '../../migrations'), table: 'pgmigrations' },
];

/** Safe from several processes at once (node-pg-migrate's advisory lock). */
export async function runMigrations(databaseUrl: string, logger: Logger): Promise<void> {
  const applied = await migrate(databaseUrl, billingMigrations);
  if (applied.length) logger.info({ applied }, 'migrations applied');
}
