import { api, stack, tokenFor, uniqueId } from '@hourglass/testing';

/** A new person with a token. */
export async function person(prefix: string) {
  const id = uniqueId(prefix);
  return { id, token: await tokenFor(id) };
}

/** A customer with a live session shared with a provider (seed 004's two parties). */
export async function liveSession() {
  const customer = await person('cust');
  const provider = await person('prov');
  const res = await api(stack.sessionsUrl, '/api/sessions', { method: 'POST', token: customer.token, body: { mode: 'live', participant_id: provider.id } });
  if (res.status !== 201) throw new Error(`start answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { customer, provider, session: res.body.session as { id: string; expires_at: string; started_at: string } };
}
