import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { test } from 'node:test';
import { toActivityFailure, withCapitalFailures } from '../../../activities/capital-failures';
import { CapitalAmbiguousError, CapitalRequestError, CapitalResponseError, CapitalUnavailableError } from '../../../lib/capital/errors';
import { registerSecret } from '../../../lib/redact';

test('retryable client errors stay retryable, the others fail the activity at once', () => {
  const unavailable = toActivityFailure(new CapitalUnavailableError('GET /positions', 6, '503 http.503')) as ApplicationFailure;
  assert.ok(unavailable instanceof ApplicationFailure);
  assert.equal(unavailable.nonRetryable, false);
  assert.equal(unavailable.type, 'CapitalUnavailableError');

  const rejected = toActivityFailure(new CapitalRequestError('POST /positions', 400, 'error.invalid.stoploss.minvalue', '17.146')) as ApplicationFailure;
  assert.equal(rejected.nonRetryable, true);
  assert.deepEqual(rejected.details, [{ endpoint: 'POST /positions', code: 'error.invalid.stoploss.minvalue', bound: '17.146' }]);

  assert.equal((toActivityFailure(new CapitalResponseError('GET /accounts', 'accounts', 'expected array')) as ApplicationFailure).nonRetryable, true);
  assert.equal((toActivityFailure(new CapitalAmbiguousError('POST /positions', 'timed out')) as ApplicationFailure).nonRetryable, true);
});

test('other errors pass through untouched, and messages are masked', async () => {
  const plain = new Error('boom');
  assert.equal(toActivityFailure(plain), plain);
  registerSecret('token-in-message-123');
  const failing = withCapitalFailures(async () => {
    throw new CapitalUnavailableError('GET /ping', 2, 'saw token-in-message-123');
  });
  await assert.rejects(failing(), (e: unknown) => e instanceof ApplicationFailure && !e.message.includes('token-in-message-123'));
});
