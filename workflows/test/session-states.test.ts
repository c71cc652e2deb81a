import { sessionStates } from '../src/workflows/session-states';

// The session state machine: the whole table, so any change to it is a visible, reviewed change.
test('the legal transitions, and nothing else', () => {
  expect(sessionStates.table()).toEqual([
    ['starting', 'start', 'active'],
    ['starting', 'abandon', 'abandoned'],
    ['scheduled', 'start', 'active'],
    ['scheduled', 'cancel', 'cancelled'],
    ['active', 'extend', 'active'],
    ['active', 'end', 'ended'],
    ['active', 'expire', 'expired'],
  ]);
});

test('an illegal transition names where it came from and where it tried to go', () => {
  expect(sessionStates.transition('ended', 'extend')).toEqual({ ok: false, from: 'ended', to: 'extended' });
  expect(sessionStates.transition('expired', 'end')).toEqual({ ok: false, from: 'expired', to: 'ended' });
  expect(sessionStates.transition('scheduled', 'extend')).toEqual({ ok: false, from: 'scheduled', to: 'extended' });
  expect(sessionStates.transition('active', 'extend')).toEqual({ ok: true, to: 'active' });
});

test('ended, expired, cancelled and abandoned are final', () => {
  expect(['starting', 'scheduled', 'active', 'ended', 'expired', 'cancelled', 'abandoned'].filter((s) => sessionStates.isFinal(s as never))).toEqual(['ended', 'expired', 'cancelled', 'abandoned']);
});
