// Compiles the AssemblyScript kernels in assembly/ to two WebAssembly modules (never committed:
// the binaries are always produced from sources):
//   build/kernels.wasm      baseline: SIMD + threads, what every Node 20 runs;
//   build/kernels-fma.wasm  the same sources with relaxed SIMD enabled, so the GEMMs' multiply-adds
//                           compile to f32x4.relaxed_madd (fused where the CPU has FMA). Node 20
//                           has relaxed SIMD behind a V8 flag, which the loader turns on; it falls
//                           back to the baseline module where that does not work.
// Options, and why:
// - -O3, no shrinking, --noAssert: the kernels are the hot path; they have no assertions anyway.
// - --enable simd: the kernels are written with v128 / f32x4 / f64x2.
// - --importMemory --sharedMemory --enable threads: the JS side creates the memory as a shared
//   WebAssembly.Memory, so growing it never detaches Float32Array views handed out by `alloc`,
//   and worker threads can later run kernels on the same memory.
// - --runtime stub: the kernels never allocate managed objects, so no GC is linked in.
// - --use abort=: no `env.abort` import (there is nothing that could abort).
// `node scripts/build-wasm.mjs --wat` also writes build/kernels.wat for inspection.
import { mkdirSync, readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'assembly', 'index.ts');
const outFile = join(root, 'build', 'kernels.wasm');
const fmaFile = join(root, 'build', 'kernels-fma.wasm');
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

/** Compiles the kernels to `file` (with relaxed SIMD when `relaxed`) and checks the result. */
async function build(file, relaxed) {
  const args = [
    relative(root, entry),
    '--outFile', relative(root, file),
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--noAssert',
    '--runtime', 'stub',
    '--use', 'abort=',
    '--enable', 'simd',
    ...(relaxed ? ['--enable', 'relaxed-simd'] : []),
    '--enable', 'threads',
    '--importMemory',
    '--sharedMemory',
    '--maximumMemory', String(MAXIMUM_PAGES),
    '--noColors',
  ];
  if (!relaxed && process.argv.includes('--wat')) args.push('--textFile', relative(root, watFile));
  let output = '';
  const collect = asc.createMemoryStream((chunk) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  });
  const before = existsSync(file) ? statSync(file).mtimeMs : -1;
  const { error } = await asc.main(args, { stdout: collect, stderr: collect, baseDir: root });
  if (error) {
    process.stderr.write(output);
    die(`compiling ${relative(root, entry)} failed: ${error.message}`);
  }
  if (!existsSync(file) || statSync(file).mtimeMs === before) {
    process.stderr.write(output);
    die(`the compiler reported success but did not write ${relative(root, file)}`);
  }
  if (relaxed) {
    // what the loader does at run time: Node 20 has relaxed SIMD behind a flag
    (await import('node:v8')).default.setFlagsFromString('--experimental-wasm-relaxed-simd');
  }
  // Sanity check: this Node can compile the module and it has the expected shape.
  const bytes = readFileSync(file);
  let mod;
  try {
    mod = new WebAssembly.Module(bytes);
  } catch (e) {
    die(`${relative(root, file)} does not compile in this Node (${process.version}): ${e instanceof Error ? e.message : e}`);
  }
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length !== 1 || imports[0].module !== 'env' || imports[0].name !== 'memory' || imports[0].kind !== 'memory') {
    die(`unexpected imports ${JSON.stringify(imports)}: the module must import only env.memory`);
  }
  const exportNames = WebAssembly.Module.exports(mod).map((e) => e.name);
  for (const name of ['heapBase', 'gemm', 'gemmTN', 'gemmNT', 'proxGradient', 'adamStep']) {
    if (!exportNames.includes(name)) die(`${relative(root, file)} lacks the export '${name}'`);
  }
  if (output.trim()) process.stdout.write(output);
  console.log(`build-wasm: wrote ${relative(root, file)} (${bytes.length} bytes, ${exportNames.length} exports)`);
}

/** Newest modification time (ms) of the files under dir whose names end in ext. */
function newest(dir, ext) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Both modules exist and are newer than every input: the kernel sources, this script and the
 * compiler. Rebuilding them costs ~30 s and ~800 MB, and `npx regpath` in a fresh checkout runs
 * the package's prepare script once more, so an unchanged build is skipped (--force rebuilds).
 */
function upToDate() {
  if (process.argv.includes('--force') || process.argv.includes('--wat')) return false;
  if (!existsSync(outFile) || !existsSync(fmaFile)) return false;
  const inputs = [
    newest(join(root, 'assembly'), '.ts'),
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
    statSync(join(root, 'node_modules', 'assemblyscript', 'package.json')).mtimeMs,
  ];
  return Math.min(statSync(outFile).mtimeMs, statSync(fmaFile).mtimeMs) > Math.max(...inputs);
}

if (upToDate()) {
  console.log('build-wasm: build/kernels.wasm and build/kernels-fma.wasm are up to date (--force rebuilds)');
} else {
  // baseline first: its check runs before the relaxed-SIMD flag is on, so it proves the module
  // needs no flag
  await build(outFile, false);
  await build(fmaFile, true);
}
