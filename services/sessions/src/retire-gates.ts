import { Client, Connection } from '@temporalio/client';
import { temporalTls } from '@hourglass/config';
import { createLogger } from '@hourglass/logger';
import { createPool } from '@hourglass/postgres';
import { runMigrations } from './adapters/database';
import { loadConfig } from './config';
import { retireGates } from './use-cases/retire-gates';

// `npm run retire-gates -w @hourglass/sessions`: one-off, after upgrading from the per-user gate workflow (see
// ARCHITECTURE.md, "Upgrading from the gate workflow"). Reads the same environment as the sessions API.
async function main() {
  const config = loadConfig({ SERVICE_NAME: 'retire-gates', ...process.env });
  const logger = createLogger({ service: 'retire-gates', level: config.LOG_LEVEL });
  await runMigrations(config.DATABASE_URL, logger);
  const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: 'retire-gates' });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, tls: temporalTls(config) });
  try {
    const report = await retireGates({ pool, client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), logger });
    console.log(`${report.gates} legacy gates: ${report.moved} moved to user_gates, ${report.terminated} terminated, ${report.waiting.length} still waiting for their session to end${report.waiting.length ? ` (${report.waiting.join(', ')}) — run again later` : ''}`);
  } finally {
    await pool.end();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
