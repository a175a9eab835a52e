import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonical, compareCanonical, Decimal, formatAmount, formatFixed, fromMinorUnits, isCanonicalText, MoneyError, sum, toDecimal, toMinorUnits } from '../../lib/money';

describe('money: exact decimals only', () => {
  test('wire strings and numbers parse to the exact decimal written', () => {
    assert.equal(canonical(toDecimal('-80.43')), '-80.43');
    assert.equal(canonical(toDecimal('416.0')), '416');
    assert.equal(canonical(toDecimal(124.95)), '124.95');
    assert.equal(canonical(toDecimal(0.1).plus(toDecimal(0.2))), '0.3');
    assert.equal(canonical(toDecimal('1e-7')), '0.0000001');
  });

  test('non-amounts are rejected with the offending text', () => {
    for (const bad of ['', 'abc', '1,5', '12.3.4', 'NaN', 'Infinity']) assert.throws(() => toDecimal(bad), MoneyError);
    assert.throws(() => toDecimal(Number.NaN), MoneyError);
  });

  test('fixed-scale formatting rounds half-even and never prints -0', () => {
    assert.equal(formatFixed(toDecimal('2.345'), 2), '2.34');
    assert.equal(formatFixed(toDecimal('2.355'), 2), '2.36');
    assert.equal(formatFixed(toDecimal('-0.001'), 2), '0.00');
    assert.equal(formatFixed(toDecimal('-123.4'), 2), '-123.40');
  });

  test('amounts for people are padded to 2 decimals', () => {
    assert.equal(formatAmount(toDecimal('13000')), '13000.00');
    assert.equal(formatAmount(toDecimal('1.5')), '1.50');
    assert.equal(formatAmount(toDecimal('1.500')), '1.50');
    assert.equal(formatAmount(toDecimal('-80.43')), '-80.43');
    assert.equal(formatAmount(toDecimal('0')), '0.00');
    assert.equal(formatAmount(toDecimal('1e3')), '1000.00');
  });

  test('amounts for people keep every decimal they have, never rounded', () => {
    assert.equal(formatAmount(toDecimal('2.345')), '2.345');
    assert.equal(formatAmount(toDecimal('-0.001')), '-0.001');
    assert.equal(formatAmount(toDecimal('1.23456789')), '1.23456789');
    assert.equal(formatAmount(toDecimal('99999999999999999.995')), '99999999999999999.995');
  });

  test('amounts for people never print -0', () => {
    assert.equal(formatAmount(toDecimal('-0')), '0.00');
    assert.equal(formatAmount(toDecimal('-0.000')), '0.00');
    assert.equal(formatAmount(toDecimal('-1').times(0)), '0.00');
    assert.equal(formatAmount(toDecimal('-0'), 0), '0');
  });

  test('the minimum scale can be chosen', () => {
    assert.equal(formatAmount(toDecimal('5'), 0), '5');
    assert.equal(formatAmount(toDecimal('5.1'), 4), '5.1000');
    assert.equal(formatAmount(toDecimal('5.123456'), 4), '5.123456');
  });

  test('amounts for people with more than 18 decimals are printed whole, not refused', () => {
    // formatFixed caps its scale at 18; formatAmount passes it the amount's own decimal places.
    assert.equal(formatAmount(toDecimal('0.0000000000000000001')), '0.0000000000000000001');
    const third = new Decimal(1).dividedBy(3);
    assert.equal(formatAmount(third), third.toFixed());
  });

  test('minor units are exact and refuse to lose precision', () => {
    assert.equal(toMinorUnits(toDecimal('-80.43'), 2), -8043n);
    assert.equal(toMinorUnits(toDecimal('99999999999999999.99'), 2), 9999999999999999999n);
    assert.throws(() => toMinorUnits(toDecimal('1.005'), 2), /more than 2 decimal places/);
    assert.equal(canonical(fromMinorUnits(-8043n, 2)), '-80.43');
  });

  test('sums of many small amounts stay exact', () => {
    const cents = Array.from({ length: 100_000 }, () => new Decimal('0.01'));
    assert.equal(canonical(sum(cents)), '1000');
  });
});

describe('compareCanonical', () => {
  test('orders canonical text by value, as Decimal does', () => {
    const values = ['0', '1', '-1', '0.5', '-0.5', '10', '9.99', '100.001', '100.0009', '-100.001', '-100.0009', '0.0001', '-0.0001', '123456789012345678901234567890.5', '2000.5', '2000.25'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 400; i++) values.push(canonical(new Decimal(((random() - 0.5) * 10 ** Math.floor(random() * 8)).toFixed(Math.floor(random() * 6)))));
    for (const a of values) {
      for (const b of values) {
        assert.equal(compareCanonical(a, b), toDecimal(a).comparedTo(toDecimal(b)), `${a} vs ${b}`);
      }
    }
  });

  test('refuses text that is not canonical, naming it', () => {
    for (const bad of ['01', '1.0', '-0', '+1', '1e5', '.5', '', ' 1']) {
      assert.throws(() => compareCanonical(bad, '1'), (error: unknown) => error instanceof MoneyError && error.message.includes(`'${bad}'`), bad);
    }
    assert.equal(isCanonicalText('2000.5'), true);
    assert.equal(isCanonicalText('2000.50'), false);
  });
});
