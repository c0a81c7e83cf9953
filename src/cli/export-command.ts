import type { Command } from 'commander';
import { exportModel } from '../export/export.js';
import type { PointSpec } from '../export/run.js';
import { addFlags, readFlags, type FlagName } from './flags.js';

const EXPORT_FLAGS = ['point', 'format', 'out', 'json'] as const satisfies readonly FlagName[];

export function exportCommand(program: Command): void {
  const cmd = program
    .command('export')
    .description('export the network of one front point (standardisation folded in) as TensorFlow.js, ONNX or safetensors')
    .argument('<run>', 'run folder written by regpath path');
  addFlags(cmd, EXPORT_FLAGS, { defaults: { point: 'selected', out: 'RUN/export-<point>-<format>, replacing an earlier export there' }, required: ['format'] });
  cmd.action((run: string, given: Record<string, unknown>) => {
    const { point = 'selected', format, out, json } = readFlags(given, EXPORT_FLAGS) as { point?: PointSpec; format: string; out?: string; json?: boolean };
    // the format is checked by exportModel, so the library and the CLI say the same thing
    const r = exportModel(run, { point, format, ...(out !== undefined && { out }) });
    if (json) {
      process.stdout.write(JSON.stringify({ dir: r.dir, ...r.info }) + '\n');
      return;
    }
    const i = r.info;
    process.stdout.write(
      `exported front point ${i.source.point} (${i.source.weights}: l1 ${i.l1.toPrecision(5)}, ${i.nonzeros} non-zeros, ` +
      `layers ${i.layers.join('-')}${i.layers.length > 2 ? ` ${i.activation}` : ''}) ` +
      `as ${i.exportFormat} to ${r.dir}: ${i.files.join(', ')}\n`,
    );
  });
}
