import { WorkflowNotFoundError } from '@temporalio/client';
import { isWorkflowGone } from '../src/adapters/temporal-gateway';

// What the sessions service reads as "the session's workflow is over" (an extension is then refunded, an end answered
// from the read model). A drill restarting Temporal caught "Namespace default is not found." read as one.
test('a missing or completed workflow is gone; a Temporal server that does not know its namespace yet is not', () => {
  expect(isWorkflowGone(new WorkflowNotFoundError('workflow not found for ID: session/abc', 'session/abc', undefined))).toBe(true);
  expect(isWorkflowGone(new Error('workflow execution already completed'))).toBe(true);
  expect(isWorkflowGone(new WorkflowNotFoundError('Namespace default is not found.', 'session/abc', undefined))).toBe(false);
  expect(isWorkflowGone(new Error('14 UNAVAILABLE: connection refused'))).toBe(false);
});
