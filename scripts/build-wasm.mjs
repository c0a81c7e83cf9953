// Compiles the AssemblyScript kernels in assembly/ to build/kernels.wasm (never committed: the
// binary is always produced from sources). Options, and why:
// - -O3, no shrinking, --noAssert: the kernels are the hot path; they have no assertions anyway.
// - --enable simd: the kernels are written with v128 / f32x4 / f64x2.
// - --importMemory --sharedMemory --enable threads: the JS side creates the memory as a shared
//   WebAssembly.Memory, so growing it never detaches Float32Array views handed out by `alloc`,
//   and worker threads can later run kernels on the same memory.
// - --runtime stub: the kernels never allocate managed objects, so no GC is linked in.
// - --use abort=: no `env.abort` import (there is nothing that could abort).
// `node scripts/build-wasm.mjs --wat` also writes build/kernels.wat for inspection.
import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'assembly', 'index.ts');
const outFile = join(root, 'build', 'kernels.wasm');
const watFile = join(root, 'build', 'kernels.wat');

/** Largest memory the module accepts, in 64 KiB pages (65536 = 4 GiB, the wasm32 limit). */
const MAXIMUM_PAGES = 65536;

function die(message) {
  process.stderr.write(`build-wasm: ${message}\n`);
  process.exit(1);
}

if (!existsSync(entry)) die(`missing ${relative(root, entry)}`);

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch (e) {
  die(`cannot load the AssemblyScript compiler (is the devDependency 'assemblyscript' installed? run npm install): ${e instanceof Error ? e.message : e}`);
}

mkdirSync(dirname(outFile), { recursive: true });

const args = [
  relative(root, entry),
  '--outFile', relative(root, outFile),
  '--optimizeLevel', '3',
  '--shrinkLevel', '0',
  '--noAssert',
  '--runtime', 'stub',
  '--use', 'abort=',
  '--enable', 'simd',
  '--enable', 'threads',
  '--importMemory',
  '--sharedMemory',
  '--maximumMemory', String(MAXIMUM_PAGES),
  '--noColors',
];
if (process.argv.includes('--wat')) args.push('--textFile', relative(root, watFile));

let output = '';
const collect = asc.createMemoryStream((chunk) => {
  output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
});
const before = existsSync(outFile) ? statSync(outFile).mtimeMs : -1;
const { error } = await asc.main(args, { stdout: collect, stderr: collect, baseDir: root });
if (error) {
  process.stderr.write(output);
  die(`compiling ${relative(root, entry)} failed: ${error.message}`);
}
if (!existsSync(outFile) || statSync(outFile).mtimeMs === before) {
  process.stderr.write(output);
  die(`the compiler reported success but did not write ${relative(root, outFile)}`);
}

// Sanity check: this Node can compile the module (SIMD + threads) and it has the expected shape.
const bytes = readFileSync(outFile);
let mod;
try {
  mod = new WebAssembly.Module(bytes);
} catch (e) {
  die(`${relative(root, outFile)} does not compile in this Node (${process.version}): ${e instanceof Error ? e.message : e}`);
}
const imports = WebAssembly.Module.imports(mod);
if (imports.length !== 1 || imports[0].module !== 'env' || imports[0].name !== 'memory' || imports[0].kind !== 'memory') {
  die(`unexpected imports ${JSON.stringify(imports)}: the module must import only env.memory`);
}
const exportNames = WebAssembly.Module.exports(mod).map((e) => e.name);
for (const name of ['heapBase', 'gemm', 'gemmTN', 'gemmNT', 'proxGradient', 'adamStep']) {
  if (!exportNames.includes(name)) die(`${relative(root, outFile)} lacks the export '${name}'`);
}
if (output.trim()) process.stdout.write(output);
console.log(`build-wasm: wrote ${relative(root, outFile)} (${bytes.length} bytes, ${exportNames.length} exports)`);
