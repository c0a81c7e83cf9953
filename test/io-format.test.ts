import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegpathError } from '../src/errors.js';
import { checkFormat } from '../src/io/format.js';

const rejects = (obj: unknown, expected: string, message: string): void => {
  assert.throws(() => checkFormat(obj, expected, 'run/path.json'), (e: unknown) => {
    assert.ok(e instanceof RegpathError);
    assert.equal(e.message, message);
    return true;
  });
};

test('the expected format passes', () => {
  checkFormat({ format: 'regpath.path/1', points: [] }, 'regpath.path/1', 'f');
  checkFormat({ format: 'regpath.run-settings/12' }, 'regpath.run-settings/12', 'f');
});

test('missing or other kind: not a regpath <kind> file', () => {
  rejects({}, 'regpath.path/1', `run/path.json is not a regpath path file (it has no "format" field)`);
  rejects(null, 'regpath.path/1', `run/path.json is not a regpath path file (it has no "format" field)`);
  rejects([1], 'regpath.path/1', `run/path.json is not a regpath path file (it has no "format" field)`);
  rejects({ format: 3 }, 'regpath.path/1', `run/path.json is not a regpath path file (it has no "format" field)`);
  rejects({ format: 'regpath.settings/1' }, 'regpath.path/1', `run/path.json is not a regpath path file (its format is 'regpath.settings/1')`);
  rejects({ format: 'other.path/1' }, 'regpath.path/1', `run/path.json is not a regpath path file (its format is 'other.path/1')`);
  rejects({ format: 'regpath.path/x' }, 'regpath.path/1', `run/path.json is not a regpath path file (its format is 'regpath.path/x')`);
  rejects({ format: 'regpath.path/1.1' }, 'regpath.path/1', `run/path.json is not a regpath path file (its format is 'regpath.path/1.1')`);
});

test('newer and older versions', () => {
  rejects({ format: 'regpath.path/2' }, 'regpath.path/1',
    'run/path.json was written by a newer regpath (format regpath.path/2); this version reads regpath.path/1');
  rejects({ format: 'regpath.path/10' }, 'regpath.path/9',
    'run/path.json was written by a newer regpath (format regpath.path/10); this version reads regpath.path/9');
  rejects({ format: 'regpath.path/1' }, 'regpath.path/2',
    'run/path.json was written by an older regpath (format regpath.path/1); this version reads regpath.path/2');
});

test('errors are BAD_FILE; a malformed expectation is a bug', () => {
  assert.throws(() => checkFormat({}, 'regpath.path/1', 'f'), (e: unknown) => e instanceof RegpathError && e.code === 'BAD_FILE');
  assert.throws(() => checkFormat({}, 'path/1', 'f'), (e: unknown) => e instanceof RegpathError && e.code === 'INTERNAL');
});
