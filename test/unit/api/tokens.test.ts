import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerToken, findToken } from '../../../api/auth/authenticate';
import { parseTokenSpec, TokenConfigError, tokenValues } from '../../../api/auth/tokens';

const T1 = 'a1'.repeat(20);
const T2 = 'b2'.repeat(20);

describe('API tokens from RECON_API_TOKENS', () => {
  test('name:token:scopes entries, comma-separated, scopes joined with +', () => {
    const tokens = parseTokenSpec(` finance:${T1}:statements:read+runs:read , ops:${T2}:runs:write `);
    assert.deepEqual(tokens.map((t) => [t.name, [...t.scopes]]), [
      ['finance', ['statements:read', 'runs:read']],
      ['ops', ['runs:write']],
    ]);
  });

  test('only digests are kept: the token text is nowhere in the parsed value', () => {
    const tokens = parseTokenSpec(`finance:${T1}:ledger:read`);
    assert.equal(JSON.stringify(tokens).includes(T1), false);
    assert.equal(tokens[0]!.sha256.length, 32);
  });

  for (const [spec, reason] of [
    ['', /holds no tokens/],
    [`fin ance:${T1}:runs:read`, /entry 1: the name/],
    [`finance:short:runs:read`, /shorter than 32/],
    [`finance:${T1}`, /no scopes/],
    [`finance:${T1}:runs:delete`, /unknown scope runs:delete/],
    [`a:${T1}:runs:read,a:${T2}:runs:read`, /names a twice/],
    [`a:${T1}:runs:read,b:${T1}:runs:read`, /same token as another/],
    [`a:${T1}!:runs:read`, /characters other than/],
  ] as const) {
    test(`rejects ${JSON.stringify(spec.slice(0, 30))} with a reason that never quotes the token`, () => {
      assert.throws(
        () => parseTokenSpec(spec),
        (error: Error) => error instanceof TokenConfigError && reason.test(error.message) && !error.message.includes(T1),
      );
    });
  }

  test('tokenValues lists the secrets to mask in logs', () => {
    assert.deepEqual(tokenValues(`finance:${T1}:runs:read,ops:${T2}:runs:write`), [T1, T2]);
  });
});

describe('bearer authentication', () => {
  const tokens = parseTokenSpec(`finance:${T1}:runs:read,ops:${T2}:runs:write`);

  test('the Authorization header: Bearer, any case, one token', () => {
    assert.equal(bearerToken(`Bearer ${T1}`), T1);
    assert.equal(bearerToken(`bearer   ${T1} `), T1);
    assert.equal(bearerToken(`Basic ${T1}`), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken(`Bearer ${T1} extra`), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  test('finds the token by digest, and nothing for an unknown, a prefix or no token', () => {
    assert.equal(findToken(tokens, T2)?.name, 'ops');
    assert.equal(findToken(tokens, T1)?.name, 'finance');
    assert.equal(findToken(tokens, T1.slice(0, -1)), undefined);
    assert.equal(findToken(tokens, `${T1}x`), undefined);
    assert.equal(findToken(tokens, undefined), undefined);
  });
});
