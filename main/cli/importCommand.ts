/**
 * `spire import <source> -o <pack dir> [--fp16] [--restorer-from <pack>] [--force] [--json]`: a Stable
 * Diffusion 1.x-family model (an ONNX export in the diffusers/optimum layout, a diffusers folder, or a
 * .safetensors / .ckpt file) as a SPIRE pack. The work is main/import/importModel.ts; this parses the
 * flags, shows progress on stderr and prints where the pack went.
 */
import { resolve } from 'node:path';
import { SpireError } from '../../common/errors';
import { importModel, type ImportProgress } from '../import/importModel';
import { EXIT, type ExitCode } from './exitCodes';
import type { CliIo } from './io';
import { parseCommandArgs } from './parse';
import type { ProgressStream } from './progress';

export const IMPORT_HELP = `Usage: spire import <source> -o <pack dir> [options]

Turns a Stable Diffusion 1.x-family model (SD 1.5 and its fine-tunes) into a
model pack the app and \`spire restore --model\` can use. <source> is one of:
  - an ONNX export in the diffusers/optimum layout (model_index.json, text_encoder/,
    unet/, vae_encoder/, vae_decoder/ with model.onnx, tokenizer/, scheduler/):
    imported without Python;
  - a diffusers folder (model_index.json + *.safetensors / *.bin weights), or
  - one .safetensors / .ckpt checkpoint: converted by the Python importer
    (python -m spire.import_sd in models/; Python from SPIRE_PYTHON, else
    /usr/bin/python3, with PyTorch and diffusers).
SDXL, SD 3 and Flux are refused, as is a model whose text encoder or latent the
engine cannot run; nothing is written then.

The pack has no SPIRE adaptor: it refines the photo semantically (img2img at the
pack's recommended strength 0.3, 20 DPM-Solver++ steps) over the restorer's output, or over the input
resized with bicubic when it has no restorer.

Options:
  -o, --output <dir>      the pack folder to write (refused if it exists and is not empty)
  --fp16                  float16 weights (diffusers folders and checkpoints only)
  --restorer-from <pack>  copy the restorer and the degradation estimator (and the
                          text encoder they read) from a SPIRE pack, e.g.
                          models/packs/spire-compact, so the pack runs faithful mode
  --force                 replace an existing output folder
  --json                  print {"packDir","name","seconds"} on stdout
  -h, --help              this help

Writes into a temporary folder beside the output and renames it at the end:
Ctrl+C or a failure leaves nothing behind.

Exit codes: 0 ok, 2 usage or a model SPIRE Studio cannot import, 4 the import
failed, 5 the output exists (use --force), 130 interrupted.
`;

/** Progress on stderr: a line redrawn in place on a terminal, a line per stage (and about every 10%) elsewhere. */
class ImportProgressLine {
  private drawn = false;
  private last = { stage: '', tenth: -1 };
  constructor(private readonly out: ProgressStream) {}

  show(p: ImportProgress): void {
    const percent = Math.round(p.fraction * 100);
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round(p.fraction * width);
      this.out.write(`\r\x1b[2K${p.stage}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]  ${percent}%  ${p.message}`.slice(0, (this.out.columns ?? 100) - 1));
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(p.fraction * 10);
    if (p.stage === this.last.stage && tenth === this.last.tenth) return;
    this.last = { stage: p.stage, tenth };
    this.out.write(`${p.stage}: ${percent}%${p.message ? `  ${p.message}` : ''}\n`);
  }

  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}

export async function importCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values: v, positionals } = parseCommandArgs('import', argv, {
    output: { type: 'string', short: 'o' },
    fp16: { type: 'boolean' },
    'restorer-from': { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    io.stdout.write(IMPORT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new SpireError('usage', 'Give exactly one model to import (a folder or a .safetensors / .ckpt file). See `spire import --help`.');
  if (!v.output) throw new SpireError('usage', 'Say where to write the pack with -o <pack dir>. See `spire import --help`.');
  const started = Date.now();
  const progress = new ImportProgressLine(io.stderr);
  let result;
  try {
    result = await importModel(
      {
        source: resolve(io.cwd, positionals[0] ?? ''),
        outDir: resolve(io.cwd, v.output),
        fp16: v.fp16 === true,
        restorerFrom: v['restorer-from'] !== undefined ? resolve(io.cwd, v['restorer-from']) : null,
        force: v.force === true,
        ...(io.env.SPIRE_PYTHON ? { python: io.env.SPIRE_PYTHON } : {}),
      },
      { onProgress: (p) => progress.show(p), ...(io.interrupt ? { signal: io.interrupt } : {}) },
    );
  } finally {
    progress.clear();
  }
  const seconds = (Date.now() - started) / 1000;
  if (v.json) io.stdout.write(`${JSON.stringify({ packDir: result.packDir, name: result.name, seconds })}\n`);
  else io.stdout.write(`imported "${result.name}" -> ${result.packDir} (${seconds.toFixed(1)} s); use it with --model ${result.packDir}\n`);
  return EXIT.ok;
}
