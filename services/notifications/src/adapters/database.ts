import path from 'node:path';
import { kafkaMigrationsDir } from '@hourglass/kafka';
import type { Logger } from '@hourglass/logger';
import { migrate } from '@hourglass/postgres';

export const notificationsMigrations = [
  { dir: kafkaMigrationsDir, table: 'pgmigrations_kafka' },
  { dir: path.resolve(__dirname, '../../migrations'), table: 'pgmigrations' },
];

export async function runMigrations(databaseUrl: string, logger: Logger): Promise<void> {
  const applied = await migrate(databaseUrl, notificationsMigrations);
  if (applied.length) logger.info({ applied }, 'migrations applied');
}
