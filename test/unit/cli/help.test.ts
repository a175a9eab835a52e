import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../cli/main';

/** Every command that only reads and reports: scripts rely on `--json` being there. */
const READ_COMMANDS = [
  'status',
  'exceptions',
  'check',
  'verify',
  'config',
  'balances list',
  'coa export',
  'schedule list',
  'schedule describe',
] as const;

function allCommands(root: Command): Array<{ path: string; command: Command }> {
  const found: Array<{ path: string; command: Command }> = [];
  const visit = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
      found.push({ path, command: sub });
      visit(sub, path);
    }
  };
  visit(root, '');
  return found;
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) });
  command.outputHelp();
  return text;
}

describe('recon help: complete and consistent', () => {
  const program = buildProgram();
  const commands = allCommands(program);

  test('finds the whole tree, sub-commands included', () => {
    const paths = commands.map((c) => c.path);
    for (const expected of ['run', 'dev', 'api', 'schedule create', 'schedule backfill', 'balances list', 'coa export', 'books import']) assert.ok(paths.includes(expected), `${expected} missing from ${paths.join(', ')}`);
  });

  test('every command, argument and option has a description', () => {
    const missing: string[] = [];
    for (const { path, command } of commands) {
      if (!command.description().trim()) missing.push(`${path}: command`);
      for (const argument of command.registeredArguments) if (!argument.description.trim()) missing.push(`${path} <${argument.name()}>`);
      for (const option of command.options) if (!option.description.trim()) missing.push(`${path} ${option.flags}`);
    }
    assert.deepEqual(missing, []);
  });

  test('command descriptions start with a capital letter; neither they nor option texts end with a full stop', () => {
    const inconsistent: string[] = [];
    for (const { path, command } of commands) {
      const description = command.description();
      if (!/^[A-Z]/.test(description) || description.endsWith('.')) inconsistent.push(`${path}: ${description}`);
      for (const option of command.options) if (option.description.endsWith('.')) inconsistent.push(`${path} ${option.flags}: ${option.description}`);
    }
    assert.deepEqual(inconsistent, []);
  });

  test('every read command accepts --json', () => {
    for (const name of READ_COMMANDS) {
      const found = commands.find((c) => c.path === name);
      assert.ok(found, `no command ${name}`);
      assert.ok(
        found.command.options.some((o) => o.long === '--json'),
        `${name} lacks --json`,
      );
    }
  });

  test('the help of every command states the exit codes', () => {
    assert.match(helpOf(program), /Exit codes: 0 ok, 1 failure, 2 usage/);
    for (const { path, command } of commands) assert.match(helpOf(command), /Exit codes: 0 ok, 1 failure, 2 usage/, `recon ${path} --help`);
  });

  test('recon dev can leave the API out, and choose its port', () => {
    const dev = commands.find((c) => c.path === 'dev')?.command;
    assert.ok(dev?.options.some((o) => o.long === '--no-api'));
    assert.ok(dev?.options.some((o) => o.long === '--api-port'));
  });
});
