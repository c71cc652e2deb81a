import path from 'node:path';
import { kafkaMigrationsDir } from '@hourglass/kafka';
import { migrate } from '@hourglass/postgres';
import type { Logger } from '@hourglass/logger';

/** The outbox/processed-events tables, then the service's own; safe to run from several processes at once. */
export const sessionsMigrations = [
  { dir: kafkaMigrationsDir, table: 'pgmigrations_kafka' },
  { dir: path.resolve(__dirname, '../../migrations'), table: 'pgmigrations' },
];

export async function runMigrations(databaseUrl: string, logger: Logger): Promise<void> {
  const applied = await migrate(databaseUrl, sessionsMigrations);
  if (applied.length) logger.info({ applied }, 'migrations applied');
}
