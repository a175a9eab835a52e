import { RuleTester } from 'eslint';
import { describe, it } from 'node:test';
import tseslint from 'typescript-eslint';
import path from 'node:path';
import { projectRoot } from '../../../lib/devstack/paths';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rule = require('../../../eslint-rules/workflow-imports.js');

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const workflowFile = path.join(projectRoot(), 'workflows', 'reconcile.ts');
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module' } });
const options = [{ workflowsDir: path.join(projectRoot(), 'workflows') }];
const ok = (code: string) => ({ code, filename: workflowFile, options });
const shared = [{ workflowsDir: path.join(projectRoot(), 'workflows'), sharedModules: [path.join(projectRoot(), 'lib/market/epic-batches.ts')] }];
const bad = (code: string, messageId: string) => ({ code, filename: workflowFile, options, errors: [{ messageId }] });

tester.run('workflow-imports', rule, {
  valid: [
    ok("import { proxyActivities } from '@temporalio/workflow';"),
    ok("import { ApplicationFailure } from '@temporalio/common';"),
    ok("import { defineSearchAttributeKey } from '@temporalio/common/lib/search-attributes';"),
    ok("import type * as activities from '../activities';"),
    ok("import { type Activities } from '../activities';"),
    ok("export type { Activities } from '../activities';"),
    ok("import { windowsOf } from './windows';"),
    ok("export { selfCheck } from './self-check';"),
    { code: "import { planEpicBatches } from '../lib/market/epic-batches';", filename: workflowFile, options: shared },
  ],
  invalid: [
    bad("import { MongoClient } from 'mongodb';", 'forbidden'),
    bad("import fs from 'node:fs';", 'forbidden'),
    bad("import { DateTime } from 'luxon';", 'forbidden'),
    bad("import { createActivities } from '../activities';", 'forbidden'),
    bad("import { toMinor } from '../lib/money';", 'forbidden'),
    bad("export { createActivities } from '../activities';", 'forbidden'),
    bad("export * from '../lib/money';", 'forbidden'),
    { code: "import { toMinor } from '../lib/money';", filename: workflowFile, options: shared, errors: [{ messageId: 'forbidden' }] },
    bad("const fs = require('node:fs');", 'dynamic'),
    bad("const m = await import('./windows');", 'dynamic'),
  ],
});
