/** L1's workflow: nothing but the start and completion Temporal itself costs. */
export async function benchNoopWorkflow(): Promise<number> {
  return 1;
}
