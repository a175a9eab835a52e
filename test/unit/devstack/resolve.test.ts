import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../lib/config';
import { ConfiguredPathError, resolveMongoSource, resolveTemporalSource, type MachineProbe } from '../../../lib/devstack/resolve';

/** A machine with these programs on PATH and these executable files. */
function machine(onPath: Record<string, string>, executables: string[] = []): MachineProbe {
  return {
    onPath: async (name) => onPath[name],
    isExecutable: async (file) => executables.includes(file),
  };
}

const CACHE = '/cache/capital-recon';
const config = (env: Record<string, string> = {}) => loadConfig({ HOME: '/home/u', RECON_CACHE_DIR: CACHE, ...env });

describe('which Temporal the dev stack uses', () => {
  test('TEMPORAL_ADDRESS wins over everything', async () => {
    const source = await resolveTemporalSource(config({ TEMPORAL_ADDRESS: 'tctl:7233', TEMPORAL_CLI_PATH: '/opt/temporal' }), machine({ temporal: '/usr/bin/temporal', go: '/usr/bin/go' }, ['/opt/temporal']));
    assert.equal(source.kind, 'external');
    assert.match(source.reason, /TEMPORAL_ADDRESS/);
  });

  test('then TEMPORAL_CLI_PATH', async () => {
    const source = await resolveTemporalSource(config({ TEMPORAL_CLI_PATH: '/opt/temporal' }), machine({ temporal: '/usr/bin/temporal' }, ['/opt/temporal']));
    assert.deepEqual(source, { kind: 'binary', program: 'temporal', path: '/opt/temporal', reason: 'TEMPORAL_CLI_PATH is set' });
  });

  test('a TEMPORAL_CLI_PATH that is not executable is an error, not a silent fallback', async () => {
    await assert.rejects(resolveTemporalSource(config({ TEMPORAL_CLI_PATH: '/nope/temporal' }), machine({ temporal: '/usr/bin/temporal' })), ConfiguredPathError);
  });

  test('then temporal on PATH, then the cache, then a Go build, then the SDK download', async () => {
    const cached = `${CACHE}/bin/temporal`;
    assert.equal((await resolveTemporalSource(config(), machine({ temporal: '/usr/bin/temporal', go: '/usr/bin/go' }, [cached]))).kind, 'binary');
    assert.deepEqual(await resolveTemporalSource(config(), machine({ go: '/usr/bin/go' }, [cached])), {
      kind: 'binary',
      program: 'temporal',
      path: cached,
      reason: `cached build ${cached}`,
    });
    const build = await resolveTemporalSource(config(), machine({ go: '/usr/bin/go' }));
    assert.equal(build.kind, 'build');
    assert.match(build.reason, /github\.com\/temporalio\/cli@v1\.5\.1/);
    assert.equal((await resolveTemporalSource(config(), machine({}))).kind, 'download');
  });
});

describe('which MongoDB the dev stack uses', () => {
  test('MONGODB_URI wins', async () => {
    assert.equal((await resolveMongoSource(config({ MONGODB_URI: 'mongodb://db:27017' }), machine({ mongod: '/usr/bin/mongod' }))).kind, 'external');
  });

  test('then mongod on PATH, then cached FerretDB, then a FerretDB build, then a download', async () => {
    const cached = `${CACHE}/bin/ferretdb`;
    const mongod = await resolveMongoSource(config(), machine({ mongod: '/usr/bin/mongod', go: '/usr/bin/go' }, [cached]));
    assert.deepEqual(mongod, { kind: 'binary', program: 'mongod', path: '/usr/bin/mongod', reason: 'mongod found on PATH' });
    const ferret = await resolveMongoSource(config(), machine({ go: '/usr/bin/go' }, [cached]));
    assert.equal(ferret.kind === 'binary' && ferret.program, 'ferretdb');
    const build = await resolveMongoSource(config(), machine({ go: '/usr/bin/go' }));
    assert.equal(build.kind === 'build' && build.program, 'ferretdb');
    assert.equal((await resolveMongoSource(config(), machine({}))).kind, 'download');
  });
});
