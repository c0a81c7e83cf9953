// Before `npm pack`: remove compiled files under dist/src whose TypeScript source is gone (tsc's
// incremental build never deletes them), so the package ships exactly what src/ compiles to.
import { readdirSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
const dist = join(root, 'dist', 'src');
if (existsSync(dist)) {
  for (const file of walk(dist)) {
    const source = join(root, 'src', relative(dist, file).replace(/(\.d)?\.(js|ts)(\.map)?$/, '.ts'));
    if (!existsSync(source)) rmSync(file);
  }
}
