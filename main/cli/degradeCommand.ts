/**
 * `spire degrade <input> -o <output> --restore "<prompt>"`: make a degraded test image
 * that matches a restoration prompt (the parameterized pipeline of degradations.py,
 * main/engine/degrade/). Runs in-process; no model needed.
 */
import { basename, resolve } from 'node:path';
import { applyPrompt } from '../engine/degrade';
import { readImage, writeImage } from '../engine/image';
import { SpireError } from '../../common/errors';
import { resizeRgb } from '../engine/imageOps/resize';
import { MAX_SEED } from '../../common/runSettings';
import { RestorationPromptError } from '../../common/restorationPrompt';
import { Generator } from '../engine/tensor/random';
import { EXIT, type ExitCode } from './exitCodes';
import type { CliIo } from './io';
import { number, parseCommandArgs, promptText } from './parse';

export const DEGRADE_HELP = `Usage: spire degrade <input> -o <output> --restore "<prompt>" [options]

Applies the degradation a restoration prompt describes, in the canonical order
blur -> downsample -> noise -> JPEG, e.g.
  spire degrade photo.png -o bad.png --restore "Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;"
A clause without a number ("Deblur;") draws its value at random (see --seed).
The output is at the degraded resolution (1/4 size for "Upsample to 4.0x"),
ready for \`spire restore --restore "<same prompt>"\`. Only parameterized prompts
can be applied: "Remove all degradation" is refused.

Options:
  -o, --output <file>   output image (.png, .jpg, .webp, .tif)
  --restore "<prompt>"  the restoration prompt to apply (required)
  --seed S              seed for the noise and drawn values (default 0)
  --same-size           resize the result back to the input size (bicubic), as the model sees it
  --force               replace an existing output file
  --json                print a JSON summary on stdout
  -h, --help            this help

Exit codes: 0 ok, 2 usage or bad prompt, 3 bad input image, 5 output write problem,
130 interrupted (Ctrl+C; nothing is written).
`;

export async function degradeCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values: v, positionals } = parseCommandArgs('degrade', argv, {
    output: { type: 'string', short: 'o' },
    restore: { type: 'string' },
    seed: { type: 'string' },
    'same-size': { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    io.stdout.write(DEGRADE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new SpireError('usage', 'Give exactly one input image. See `spire degrade --help`.');
  if (!v.output) throw new SpireError('usage', 'Say where to write the result with -o <file>. See `spire degrade --help`.');
  if (v.restore === undefined) throw new SpireError('usage', 'Say which degradation to apply with --restore "<prompt>", e.g. --restore "Deblur with sigma 2.0;".');
  const prompt = promptText('--restore', v.restore);
  const seed = v.seed !== undefined ? number('--seed', v.seed, { integer: true, min: 0, max: MAX_SEED }) : 0;
  const input = resolve(io.cwd, positionals[0] ?? '');
  const output = resolve(io.cwd, v.output);
  if (input === output) throw new SpireError('usage', 'The output is the input itself. Choose another output name.');

  // Read, degrade and write failures are SpireErrors: main.ts prints them and exits by their code (exitCodes.ts).
  const img = await readImage(input);
  const started = Date.now();
  let result;
  try {
    result = await applyPrompt(img.rgb, prompt, new Generator(seed));
  } catch (err) {
    if (err instanceof RestorationPromptError) throw new SpireError('bad-prompt', `Restoration prompt: ${err.message}.`);
    throw err;
  }
  if (io.interrupt?.aborted) throw new SpireError('cancelled', 'Interrupted; nothing was written.');
  const image = v['same-size'] ? resizeRgb(result.degradedLr, img.rgb.height, img.rgb.width, { method: 'bicubic', clamp: true }) : result.degradedLr;
  const metadata: Record<string, string> = { 'spire:degradation': result.restorationPrompt, 'spire:seed': String(seed), 'spire:stages': JSON.stringify(result.stages) };
  await writeImage(output, image, img.alpha, { overwrite: Boolean(v.force), metadata, source: img.bytes });
  if (v.json) {
    io.stdout.write(
      `${JSON.stringify({ input, output, width: image.width, height: image.height, seconds: (Date.now() - started) / 1000, seed, restorationPrompt: result.restorationPrompt, stages: result.stages })}\n`,
    );
  } else {
    io.stdout.write(`${basename(input)} -> ${output} (${image.width} x ${image.height}, ${result.restorationPrompt || 'no degradation'}, seed ${seed})\n`);
  }
  return EXIT.ok;
}
