import { createHash } from 'node:crypto';
import type { z } from 'zod';

/** A short, readable account of why a payload does not have the shape we read: the first few zod issues. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const issues = error.issues.slice(0, max).map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
  const more = error.issues.length > max ? ` (+${error.issues.length - max} more)` : '';
  return `${issues.join('; ')}${more}`.slice(0, 500);
}

/** A stable id for a payload that carries none of its own: the same bytes delivered again are the same event. */
export function digestOf(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 32);
}
