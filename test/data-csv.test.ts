import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RegpathError, type ErrorCode } from '../src/errors.js';
import { loadDataset, MAX_INFERRED_CLASSES } from '../src/data/index.js';
import type { LoadOptions } from '../src/data/index.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('csv');

function csv(name: string, text: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function rejects(file: string, code: ErrorCode, message: string, opts?: LoadOptions): void {
  assert.throws(
    () => loadDataset(file, opts),
    (e: unknown) => {
      assert.ok(e instanceof RegpathError, `not a RegpathError: ${String(e)}`);
      assert.equal(e.message, message);
      assert.equal(e.code, code);
      assert.ok(!e.message.includes('\n'), 'error must be one line');
      return true;
    },
  );
}

describe('CSV: task inference and encoding', () => {
  test('integer target with few values → classification, classes in numeric order', () => {
    const f = csv('cls.csv', 'a,b,label\n1,2,10\n3,4,2\n5,6,2\n7,8,10.0\n');
    const ds = loadDataset(f);
    assert.equal(ds.name, 'cls.csv');
    assert.equal(ds.task, 'classification');
    assert.equal(ds.rows, 4);
    assert.equal(ds.features, 2);
    assert.deepEqual(ds.featureNames, ['a', 'b']);
    assert.equal(ds.classes, 2);
    assert.deepEqual(ds.classNames, ['2', '10']); // numeric, not string, order; '10.0' is '10'
    assert.deepEqual([...ds.y], [1, 0, 0, 1]);
    assert.deepEqual([...ds.x], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('fractional target → regression', () => {
    const f = csv('reg.csv', 'x1,x2,price\n1,2,3.5\n-1,0.5,-2\n1e2,.25,7\n');
    const ds = loadDataset(f);
    assert.equal(ds.task, 'regression');
    assert.equal(ds.classes, 0);
    assert.deepEqual(ds.classNames, []);
    assert.deepEqual([...ds.y], [3.5, -2, 7]);
    assert.deepEqual([...ds.x], [1, 2, -1, 0.5, 100, 0.25]);
  });

  test(`integers with more than ${MAX_INFERRED_CLASSES} distinct values → regression; task option overrides`, () => {
    const rows = Array.from({ length: MAX_INFERRED_CLASSES + 1 }, (_, i) => `${i},${i * 3}`).join('\n');
    const f = csv('many.csv', `x,y\n${rows}\n`);
    assert.equal(loadDataset(f).task, 'regression');
    const forced = loadDataset(f, { task: 'classification' });
    assert.equal(forced.task, 'classification');
    assert.equal(forced.classes, MAX_INFERRED_CLASSES + 1);
    const few = csv('few.csv', 'x,y\n1,0\n2,1\n3,1\n');
    assert.equal(loadDataset(few).task, 'classification');
    assert.equal(loadDataset(few, { task: 'regression' }).task, 'regression');
    assert.equal(loadDataset(few, { task: 'auto' }).task, 'classification');
  });

  test('string labels → classification with sorted, trimmed class names', () => {
    const f = csv('str.csv', 'w,h,kind\n1,2,dog\n3,4, cat\n5,6,bird\n7,8,dog\n');
    const ds = loadDataset(f);
    assert.equal(ds.task, 'classification');
    assert.deepEqual(ds.classNames, ['bird', 'cat', 'dog']);
    assert.deepEqual([...ds.y], [2, 1, 0, 2]);
  });

  test('target chosen by name, anywhere in the row', () => {
    const f = csv('mid.csv', 'a,species,b\n1,x,2\n3,y,4\n');
    const ds = loadDataset(f, { target: 'species' });
    assert.deepEqual(ds.featureNames, ['a', 'b']);
    assert.deepEqual([...ds.x], [1, 2, 3, 4]);
    assert.deepEqual(ds.classNames, ['x', 'y']);
  });

  test('quoted fields, embedded commas/newlines in labels, CRLF, BOM, blank trailing lines', () => {
    const text = '\ufeff"a","b b","label"\r\n"1",2,"red, dark"\r\n3,"4","blue\r\nish"\r\n5,6,"red, dark"\r\n\r\n\r\n   \r\n';
    const ds = loadDataset(csv('quoted.csv', text));
    assert.deepEqual(ds.featureNames, ['a', 'b b']); // BOM stripped from the first name
    assert.equal(ds.rows, 3);
    assert.deepEqual([...ds.x], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ds.classNames, ['blue\r\nish', 'red, dark']);
    assert.deepEqual([...ds.y], [1, 0, 1]);
  });

  test('numbers with blanks around them are fine', () => {
    const ds = loadDataset(csv('spaces.csv', 'a, b, y\n 1 , 2 , 0.5\n3,4,1.5\n'));
    assert.deepEqual(ds.featureNames, ['a', 'b']);
    assert.deepEqual([...ds.x], [1, 2, 3, 4]);
    assert.equal(ds.task, 'regression');
  });
});

describe('CSV: bad input gives one clear line', () => {
  test('missing file', () => {
    const f = join(dir, 'absent.csv');
    rejects(f, 'FILE_NOT_FOUND', `${f}: file not found`);
  });

  test('non-numeric feature cell: file, line, column, value', () => {
    const f = csv('my.csv', 'name_id,age,y\n1,20,0\n2,30,1\n3,40,0\n4,50,1\n5,60,0\n6,abc,1\n');
    rejects(f, 'BAD_DATA', `${f} line 7, column "age": expected a number, got "abc"`);
  });

  test('a relative path is named as the user typed it', () => {
    csv('my.csv', 'name_id,age,y\n1,20,0\n2,30,1\n3,40,0\n4,50,1\n5,60,0\n6,abc,1\n');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      rejects('my.csv', 'BAD_DATA', 'my.csv line 7, column "age": expected a number, got "abc"');
    } finally {
      process.chdir(cwd);
    }
  });

  test('duplicate target name is ambiguous', () => {
    const f = csv('dup.csv', 'y,a,y\n1,2,3\n');
    rejects(f, 'BAD_DATA', `${f}: columns 1 and 3 are both named "y"; column names must be unique`, { target: 'y' });
  });

  test('empty feature cell', () => {
    const f = csv('hole.csv', 'a,b,y\n1,,0\n');
    rejects(f, 'BAD_DATA', `${f} line 2, column "b": missing value ""; regpath does not impute: drop or fill in the row`);
  });

  test('line numbers count CRLF lines, blank lines and lines inside quoted fields', () => {
    const f = csv('lines.csv', 'a,b,y\r\n1,2,"x\r\ny"\r\n\r\n3,4,z\r\n5,"6\n7",z\r\n8,oops,z\r\n');
    rejects(f, 'BAD_DATA', `${f} line 6, column "b": expected a number, got "6\\n7"`);
    const g = csv('lines2.csv', 'a,b,y\n1,2,"x\ny"\n\n3,4,z\n5,6,z\n8,oops,z\n');
    rejects(g, 'BAD_DATA', `${g} line 7, column "b": expected a number, got "oops"`);
    // A cell after a multi-line field of the same record is on that field's last line.
    const h = csv('lines3.csv', 'y,a,b\r\n"lab\r\nel",1,zz\r\n');
    rejects(h, 'BAD_DATA', `${h} line 3, column "b": expected a number, got "zz"`, { target: 'y' });
  });

  test('malformed quoting in a CRLF file names the line where the bad record starts', () => {
    const f = csv('quote2.csv', 'a,b,y\r\n1,2,"x\r\ny"\r\n\r\n3,4,"open\r\n5,6,7\r\n');
    rejects(f, 'BAD_FILE', `${f} line 5: malformed CSV: Quote Not Closed: the parsing is finished with an opening quote`);
  });

  test('ragged row: line, expected and actual field counts', () => {
    const f = csv('ragged.csv', 'a,b,y\n1,2,0\n3,4\n');
    rejects(f, 'BAD_DATA', `${f} line 3: expected 3 fields (as in the header), got 2`);
    const g = csv('ragged2.csv', 'a,b,y\n1,2,0,9\n');
    rejects(g, 'BAD_DATA', `${g} line 2: expected 3 fields (as in the header), got 4`);
  });

  test('missing target column lists the columns', () => {
    const f = csv('cols.csv', 'a,b,y\n1,2,0\n');
    rejects(f, 'BAD_DATA', `${f}: no target column "label"; the columns are: "a", "b", "y"`, { target: 'label' });
  });

  test('empty file and header-only file', () => {
    const e = csv('empty.csv', '');
    rejects(e, 'BAD_DATA', `${e}: file is empty (a header row and data rows are required)`);
    const blank = csv('blank.csv', '\n\n  \n');
    rejects(blank, 'BAD_DATA', `${blank}: file is empty (a header row and data rows are required)`);
    const h = csv('header.csv', 'a,b,y\r\n\r\n');
    rejects(h, 'BAD_DATA', `${h}: has a header but no data rows`);
  });

  test('NaN, inf and float32 overflow in features', () => {
    const n = csv('nan.csv', 'a,b,y\n1,2,0\n1,NaN,1\n');
    rejects(n, 'BAD_DATA', `${n} line 3, column "b": expected a finite number, got "NaN"`);
    const i = csv('inf.csv', 'a,b,y\n-inf,2,0\n');
    rejects(i, 'BAD_DATA', `${i} line 2, column "a": expected a finite number, got "-inf"`);
    const o = csv('over.csv', 'a,b,y\n1,2,0\n1,1e39,1\n');
    rejects(o, 'BAD_DATA', `${o} line 3, column "b": expected a finite number, got "1e39", which overflows a 32-bit float (max about 3.4e38)`);
  });

  test('NaN / Inf in a numeric target, and a missing target value', () => {
    const n = csv('ynan.csv', 'a,y\n1,0.5\n2,Infinity\n');
    rejects(n, 'BAD_DATA', `${n} line 3, column "y": expected a finite number, got "Infinity"`);
    const m = csv('ymiss.csv', 'a,y\n1,0.5\n2,\n');
    rejects(m, 'BAD_DATA', `${m} line 3, column "y": missing target value`);
  });

  test('text target forced to regression', () => {
    const f = csv('txt.csv', 'a,y\n1,0.5\n2,high\n');
    rejects(f, 'BAD_DATA', `${f} line 3, column "y": expected a number for a regression target, got "high"`, { task: 'regression' });
  });

  test('a single class cannot be classified', () => {
    const f = csv('one.csv', 'a,y\n1,cat\n2,cat\n');
    rejects(f, 'BAD_DATA', `${f}: target column "y" has only one value ("cat"); classification needs at least 2 classes`);
  });

  test('malformed quoting reports the line', () => {
    const f = csv('quote.csv', 'a,b,y\n1,2,0\n3,4,"open\n');
    assert.throws(() => loadDataset(f), (e: unknown) => {
      assert.ok(e instanceof RegpathError);
      assert.equal(e.code, 'BAD_FILE');
      assert.match(e.message, new RegExp(`^${escape(f)} line 3: malformed CSV: `));
      return true;
    });
  });

  test('a non-comma separator is called out', () => {
    const f = csv('semi.csv', 'a;b;y\n1;2;0\n');
    rejects(f, 'BAD_DATA', `${f}: only one column ("a;b;y"); need features and a target, separated by commas`);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
