'use strict';
// Workflow code runs in Temporal's deterministic sandbox: it may import only the workflow and
// common SDK packages, other files inside workflows/, types (type-only imports are erased), and
// the few pure lib modules listed as `sharedModules` (which this rule checks in turn, so they can
// import nothing else).
const path = require('node:path');

const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];

function isAllowedPackage(source) {
  return ALLOWED_PACKAGES.some((name) => source === name || source.startsWith(`${name}/`));
}

function staysInside(dir, fromFile, source) {
  if (!source.startsWith('.')) return false;
  const target = path.resolve(path.dirname(fromFile), source);
  const relative = path.relative(dir, target);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function isTypeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return (
    specifiers.length > 0 &&
    specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')
  );
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'workflows/ may import only @temporalio/workflow, @temporalio/common, workflows/ files and types' },
    schema: [{ type: 'object', properties: { workflowsDir: { type: 'string' }, sharedModules: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }],
    messages: {
      forbidden:
        "'{{source}}' cannot be imported by workflow code: only @temporalio/workflow, @temporalio/common, files in workflows/ and type-only imports are allowed.",
      dynamic: 'Workflow code cannot use require() or dynamic import().',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const workflowsDir = path.resolve(context.cwd, options.workflowsDir ?? 'workflows');
    const sharedModules = new Set((options.sharedModules ?? []).map((module) => path.resolve(context.cwd, module).replace(/\.ts$/, '')));
    const file = context.filename;
    const isShared = (source) => source.startsWith('.') && sharedModules.has(path.resolve(path.dirname(file), source).replace(/\.ts$/, ''));

    function check(node) {
      if (!node.source || isTypeOnly(node)) return;
      const source = String(node.source.value);
      if (isAllowedPackage(source) || staysInside(workflowsDir, file, source) || isShared(source)) return;
      context.report({ node: node.source, messageId: 'forbidden', data: { source } });
    }

    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      TSImportEqualsDeclaration(node) {
        if (node.importKind !== 'type') context.report({ node, messageId: 'dynamic' });
      },
      ImportExpression(node) {
        context.report({ node, messageId: 'dynamic' });
      },
      'CallExpression[callee.name="require"]'(node) {
        context.report({ node, messageId: 'dynamic' });
      },
    };
  },
};
