import { Command, Option } from 'commander';
import { EXPORT_FORMATS, exportModel } from '../export/export.js';
import { parsePointSpec } from '../export/run.js';

interface ExportFlags {
  point: string;
  format: string;
  out?: string;
  json?: boolean;
}

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('export the network of one front point (standardisation folded in) as TensorFlow.js, ONNX or safetensors')
    .argument('<run>', 'run folder written by regpath path')
    .requiredOption('--point <i|selected>', 'index into path.json "points" (0-based, l1 ascending; not the raw "point" number of the printed table), or "selected" (RUN/selected.json)')
    .addOption(new Option('--format <format>', `model format: ${EXPORT_FORMATS.join(' | ')}`).makeOptionMandatory())
    .option('--out <folder>', 'output folder (default: RUN/export-<point>-<format>); an earlier export there is replaced')
    .option('--json', 'print model-info.json on stdout')
    .action((run: string, flags: ExportFlags) => {
      // the format is checked by exportModel, so the library and the CLI say the same thing
      const r = exportModel(run, { point: parsePointSpec(flags.point), format: flags.format, ...(flags.out !== undefined && { out: flags.out }) });
      if (flags.json) {
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
