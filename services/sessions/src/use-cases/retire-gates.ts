import type { Client } from '@temporalio/client';
import type { Logger } from '@hourglass/logger';
import type { Pool } from '@hourglass/postgres';
import { gateStateQuery } from '@hourglass/workflows';

export interface RetireReport {
  gates: number;
  moved: number;
  terminated: number;
  /** Gates left running: their legacy session still needs them (run again once it is over). */
  waiting: string[];
}

/**
 * Moves what each legacy gate workflow (`userGateWorkflow`, `user/<id>`) still holds — its cooldown and its
 * auto-start wish — into the user's gate row, and terminates the gates whose legacy session is over (a running legacy
 * session signals its gate when it ends, so that gate must stay until then). Idempotent: run it until `waiting` is empty.
 */
export async function retireGates({ pool, client, logger }: { pool: Pool; client: Client; logger: Pick<Logger, 'info' | 'warn'> }): Promise<RetireReport> {
  const report: RetireReport = { gates: 0, moved: 0, terminated: 0, waiting: [] };
  for await (const execution of client.workflow.list({ query: `WorkflowType = 'userGateWorkflow' AND ExecutionStatus = 'Running'` })) {
    report.gates++;
    const handle = client.workflow.getHandle(execution.workflowId);
    const state = await handle.query(gateStateQuery);
    await pool.query(
      `INSERT INTO user_gates (user_id, cooldown_until, auto_start_mode, auto_start_set_at) VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (user_id) DO UPDATE SET
         cooldown_until = GREATEST(user_gates.cooldown_until, EXCLUDED.cooldown_until),
         auto_start_mode = coalesce(user_gates.auto_start_mode, EXCLUDED.auto_start_mode),
         auto_start_set_at = coalesce(user_gates.auto_start_set_at, EXCLUDED.auto_start_set_at),
         updated_at = now()`,
      [state.userId, state.cooldownUntil, state.autoStart?.mode ?? null],
    );
    report.moved++;
    if (state.activeSessionId) {
      report.waiting.push(execution.workflowId);
      continue;
    }
    await handle.terminate('retired: starts are decided in the sessions database now (its state was moved to user_gates)');
    report.terminated++;
    logger.info({ workflowId: execution.workflowId, cooldownUntil: state.cooldownUntil, autoStart: state.autoStart }, 'legacy gate retired');
  }
  return report;
}
