import type { z } from 'zod';
import { DomainError } from '@hourglass/errors';

/** Parses untrusted input at the edge; a failure is a 422 listing each problem by field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new DomainError('VALIDATION_FAILED', `Invalid request ${where}`, {
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}
