import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MongoHandle } from '../../../lib/store/mongo';
import { recon as runRecon } from '../../helpers/recon-cli';
import { openTestDatabase, testStack } from '../../helpers/stack';

const dir = mkdtempSync(path.join(tmpdir(), 'recon-coa-'));
let mongo: MongoHandle;
const recon = (...args: string[]) => runRecon({ MONGODB_URI: testStack().mongoUri, MONGODB_DB: mongo.db.databaseName }, ...args);

before(async () => {
  mongo = await openTestDatabase(testStack(), 'coa');
});
after(() => mongo?.close());

describe('recon coa: the chart of accounts and posting rules in the real database', () => {
  test('export gives the defaults until an import; import then export round-trips byte for byte', async () => {
    const defaults = await recon('coa', 'export');
    assert.equal(defaults.code, 0, defaults.stderr);
    assert.match(defaults.stderr, /No chart imported yet/);
    const file = path.join(dir, 'coa.json');
    writeFileSync(file, defaults.stdout);

    const imported = await recon('coa', 'import', file);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported \d+ accounts, rule set versions 1 from/);
    assert.equal(await mongo.db.collection('posting_rule_sets').countDocuments(), 1);

    const again = await recon('coa', 'import', file);
    assert.match(again.stdout, /already up to date/);

    const exported = await recon('coa', 'export', '--out', path.join(dir, 'back.json'));
    assert.equal(exported.code, 0);
    assert.doesNotMatch(exported.stderr, /defaults/);
    assert.equal(readFileSync(path.join(dir, 'back.json'), 'utf8'), defaults.stdout);
  });

  test('a chart whose rules leave a type unmapped or name a missing account is refused with paths', async () => {
    const document = JSON.parse((await recon('coa', 'export')).stdout) as { chart: { accounts: Array<{ code: string }> }; ruleSets: Array<{ rules: Array<{ transactionType: string; whenPositive: { debit: string } }> }> };
    const rules = document.ruleSets[0]!.rules;
    const swapIndex = rules.findIndex((r) => r.transactionType === 'SWAP');
    rules.splice(swapIndex, 1);
    rules[0]!.whenPositive.debit = '9999';
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(document));
    const result = await recon('coa', 'import', file);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /SWAP/);
    assert.match(result.stderr, /ruleSets\[0\]\.rules\[0\]\.whenPositive\.debit/);
    const dryRun = await recon('coa', 'import', file, '--dry-run');
    assert.equal(dryRun.code, 1, 'dry run validates the same way');
  });
});
