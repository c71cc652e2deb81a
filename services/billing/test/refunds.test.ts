import { creditsPaidFor, foldRefund, type RefundState } from '../src/domain/refunds';

const none: RefundState = { refundedCents: 0, fullyRefunded: false, parts: {} };

test('a running total only raises what is known, whatever order the events come in', () => {
  const a = foldRefund(none, { amountCents: 599, totalRefundedCents: 599 }, 1198);
  expect(a).toEqual({ refundedCents: 599, fullyRefunded: false, parts: {} });
  expect(foldRefund(a, { amountCents: 300, totalRefundedCents: 300 }, 1198).refundedCents).toBe(599);
  expect(foldRefund(a, { amountCents: 1198, totalRefundedCents: 1198 }, 1198)).toMatchObject({ refundedCents: 1198, fullyRefunded: true });
});

test('refunds known one by one count once each, by refund id', () => {
  const a = foldRefund(none, { amountCents: 599, refundId: 'R1' }, 1797);
  const again = foldRefund(a, { amountCents: 599, refundId: 'R1' }, 1797);
  expect(again).toEqual(a);
  const b = foldRefund(a, { amountCents: 599, refundId: 'R2' }, 1797);
  expect(b).toMatchObject({ refundedCents: 1198, fullyRefunded: false });
  expect(foldRefund(b, { amountCents: 599, refundId: 'R3' }, 1797)).toMatchObject({ refundedCents: 1797, fullyRefunded: true });
});

test('no amount at all is the whole payment', () => {
  expect(foldRefund(none, { amountCents: null }, 599)).toMatchObject({ fullyRefunded: true, refundedCents: 599 });
  expect(foldRefund(none, { amountCents: null }, null)).toMatchObject({ fullyRefunded: true });
});

test('credits paid for: whole credits at the price paid per credit, rounded down', () => {
  expect(creditsPaidFor({ refundedCents: 599, fullyRefunded: false }, 1198, 2)).toBe(1);
  expect(creditsPaidFor({ refundedCents: 598, fullyRefunded: false }, 1198, 2)).toBe(0);
  expect(creditsPaidFor({ refundedCents: 1198, fullyRefunded: false }, 1198, 2)).toBe(2);
  expect(creditsPaidFor({ refundedCents: 100, fullyRefunded: true }, 1198, 2)).toBe(2);
  expect(creditsPaidFor({ refundedCents: 5000, fullyRefunded: false }, 1198, 2)).toBe(2);
  expect(creditsPaidFor({ refundedCents: 1, fullyRefunded: false }, null, 3)).toBe(3);
  expect(creditsPaidFor({ refundedCents: 0, fullyRefunded: false }, null, 3)).toBe(0);
});
