// Placeholder until the AssemblyScript kernels land.
console.log('build-wasm: no kernels yet');
