import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

/**
 * Temporary folders for a test file: `tempDir('neurons')` makes /tmp/regpath-neurons-XXXXXX, and
 * every folder made here is removed once the file's tests are done (a root-level `after`, which
 * node:test runs at the end of the test file's process). Before this, each run of the suite left
 * about 500 folders in the system's temporary directory.
 */
const made: string[] = [];

after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `regpath-${name}-`));
  made.push(dir);
  return dir;
}
