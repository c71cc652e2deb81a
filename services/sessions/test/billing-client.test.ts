import { DomainError } from '@hourglass/errors';
import { refusalFrom } from '../src/adapters/billing-client';

// A dependency's refusal becomes the caller's own answer about their request — never "billing answered 422".
const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

test('a refusal of the request keeps its code and details, with a message about the request and no service named', async () => {
  const refused = await refusalFrom(answer(422, { error: 'VALIDATION_FAILED', message: 'Invalid request query', issues: [{ path: 'user_id', message: 'too long' }], request_id: 'r1' }), 'The credits could not be read');
  expect(refused).toBeInstanceOf(DomainError);
  expect((refused as DomainError).status).toBe(422);
  expect((refused as DomainError).toJSON()).toEqual({ error: 'VALIDATION_FAILED', message: 'The credits could not be read: Invalid request query', issues: [{ path: 'user_id', message: 'too long' }] });
  const noCredits = await refusalFrom(answer(402, { error: 'NO_CREDITS', message: 'No sessions available.', free_remaining: 0 }), 'The checkout could not be created');
  expect((noCredits as DomainError).toJSON()).toMatchObject({ error: 'NO_CREDITS', free_remaining: 0 });
});

test('billing failing or unreachable is a 503 to retry; our own token refused is a fault of ours (500)', async () => {
  for (const res of [answer(500, { error: 'INTERNAL' }), answer(503, { error: 'UNAVAILABLE' }), new Response('<html>bad gateway</html>', { status: 502 }), answer(418, { error: 'TEAPOT' })]) {
    const e = await refusalFrom(res, 'The credits could not be read');
    expect(e).toMatchObject({ code: 'UNAVAILABLE', message: 'The credits could not be read right now; retry in a moment' });
    expect(e.message).not.toMatch(/billing|answered|\d{3}/);
  }
  const token = await refusalFrom(answer(401, { error: 'UNAUTHENTICATED' }), 'The credits could not be read');
  expect(token).not.toBeInstanceOf(DomainError);
});
