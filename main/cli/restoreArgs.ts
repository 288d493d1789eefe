/**
 * `spire restore` step 1: the flags, parsed and checked before anything slow happens.
 *
 * Every value is checked here (ranges from common/runSettings.ts, the restoration prompt's
 * grammar, the other params through validateRestoreParams); a bad one is a usage error (exit 2).
 * The sampling settings the user gave are kept apart (`flags`): they go over the pack's
 * recommended settings once the pack is known (restoreSettings.ts).
 */
import { randomInt } from 'node:crypto';
import { normalize } from 'node:path';
import { KEEP_AS_IS, type RegionRestoration } from '../../common/regions';
import { DEFAULT_RESTORE_PARAMS } from '../engine/jobs/restoreParams';
import type { RestoreParams } from '../engine/pipeline/types';
import type { OutputFormat } from '../engine/protocol';
import { COLOR_FIX_NAMES, RESTORER_VIEWS, RUN_RANGES, SCHEDULER_NAMES, type ColorFixName, type RestorerViews, type SchedulerName } from '../../common/runSettings';
import { RESTORATION_GRAMMAR, RestorationPromptError, formatRestorationPrompt, parseRestorationPrompt } from '../../common/restorationPrompt';
import { SpireError } from '../../common/errors';
import { COLOUR_MODES, parseMaxMegapixels, type ColourMode } from '../engine/image';
import { number, parseCommandArgs, printable, promptText } from './parse';
import { checkParams } from './restoreSettings';
import { understandRestorationPrompt } from '../../common/plainWords';
import type { RunSettingFlags } from './runSettings';

const RESTORE_OPTIONS = {
  output: { type: 'string', short: 'o' },
  restore: { type: 'string' },
  upsample: { type: 'string' },
  prompt: { type: 'string' },
  negative: { type: 'string' },
  region: { type: 'string', multiple: true },
  'region-restore': { type: 'string', multiple: true },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  seed: { type: 'string' },
  strength: { type: 'string' },
  scheduler: { type: 'string' },
  'color-fix': { type: 'string' },
  'color-fix-levels': { type: 'string' },
  faithful: { type: 'boolean' },
  'no-faithful': { type: 'boolean' },
  eta: { type: 'string' },
  views: { type: 'string' },
  tile: { type: 'string' },
  'tile-overlap': { type: 'string' },
  model: { type: 'string' },
  ep: { type: 'string' },
  threads: { type: 'string' },
  'max-megapixels': { type: 'string' },
  format: { type: 'string' },
  quality: { type: 'string' },
  force: { type: 'boolean' },
  'strip-location': { type: 'boolean' },
  colour: { type: 'string' },
  color: { type: 'string' },
  shard: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * A region from `--region <mask image>=<prompt>` and/or `--region-restore <mask image>=<restoration
 * prompt | keep>` (the same mask file given to both is one region with both), its mask not read yet.
 */
export interface RegionSpec {
  mask: string;
  /** The semantic prompt ("" when only --region-restore names the mask). */
  prompt: string;
  /** Its own restoration prompt (canonical text) or Keep as is; absent: it follows the run's. */
  restoration?: RegionRestoration;
}

/** A `spire restore` command line, checked. */
export interface RestoreArgs {
  /** The input paths as given (files or folders). */
  inputs: string[];
  /** `-o` as given: a file, or a folder. */
  output: string;
  /** Prompts, seed, tiling, and the app's default sampling settings; checked. No regions yet. */
  params: RestoreParams;
  /** The sampling settings the user gave; they override the pack's. */
  flags: RunSettingFlags;
  /** Whether --restore was given (else the prompt is the default, `auto`). */
  restoreGiven: boolean;
  /** `understood "<words>" as "<canonical>"` when --restore was plain words (printed on stderr), else null. */
  understood: string | null;
  regions: RegionSpec[];
  /** --model as given, or undefined. */
  model: string | undefined;
  providers: string[];
  threads: number;
  /** --max-megapixels, else SPIRE_MAX_MEGAPIXELS; undefined: the engine's limit from this machine's memory. */
  maxMegapixels: number | undefined;
  /** The output format in folder mode. */
  folderFormat: OutputFormat;
  quality: number | undefined;
  force: boolean;
  /** `--strip-location`: leave the inputs' GPS position out of the outputs. */
  stripLocation: boolean;
  /** `--colour`: sRGB (default) or the input's own profile. */
  colour: ColourMode;
  /** `--shard i/n`: this machine's share of the inputs (restoreTargets.ts shardOf), or undefined for all. */
  shard: Shard | undefined;
  json: boolean;
}

/** `--shard i/n`: share `index` (1 to `count`) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** The largest n `--shard i/n` takes (a Slurm array or an indexed job is far smaller). */
export const MAX_SHARDS = 100000;

/** `--shard i/n`, i from 1 to n (a Slurm array's 1-based task id, or a 0-based index plus 1). */
export function parseShard(text: string): Shard {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new SpireError('usage', `--shard takes i/n with n from 1 to ${MAX_SHARDS} and i from 1 to n (e.g. 2/4), got "${printable(text, 40)}".`);
  }
  return { index, count };
}

/** The restore flags, or 'help' for -h/--help. `env` gives SPIRE_THREADS and SPIRE_PROVIDERS. */
export function parseRestoreArgs(argv: string[], env: Record<string, string | undefined>): RestoreArgs | 'help' {
  const { values: v, positionals } = parseCommandArgs('restore', argv, RESTORE_OPTIONS);
  if (v.help) return 'help';
  if (positionals.length === 0) throw new SpireError('usage', 'Give at least one input image. See `spire restore --help`.');
  if (!v.output) throw new SpireError('usage', 'Say where to write the result with -o <file or folder>. See `spire restore --help`.');

  const scheduler = (v.scheduler ?? DEFAULT_RESTORE_PARAMS.scheduler) as SchedulerName;
  if (!(SCHEDULER_NAMES as readonly string[]).includes(scheduler)) throw new SpireError('usage', `--scheduler must be ${SCHEDULER_NAMES.join(' or ')}, got "${scheduler}".`);
  const colorFix = (v['color-fix'] ?? DEFAULT_RESTORE_PARAMS.colorFix) as ColorFixName;
  if (!(COLOR_FIX_NAMES as readonly string[]).includes(colorFix)) throw new SpireError('usage', `--color-fix must be ${COLOR_FIX_NAMES.join(', ')}, got "${colorFix}".`);
  const regions = regionSpecs(argv, v.region ?? [], v['region-restore'] ?? []);
  if (v.faithful && v['no-faithful']) throw new SpireError('usage', 'Give --faithful or --no-faithful, not both.');

  // Sampling settings the user gave; the rest come from the pack or the app defaults (restoreSettings.ts).
  const flags: RunSettingFlags = {};
  if (v.steps !== undefined) flags.steps = number('--steps', v.steps, RUN_RANGES.steps);
  if (v.guidance !== undefined) flags.guidanceScale = number('--guidance', v.guidance, RUN_RANGES.guidanceScale);
  if (v.strength !== undefined) flags.strength = number('--strength', v.strength, RUN_RANGES.strength);
  if (v.eta !== undefined) flags.eta = number('--eta', v.eta, RUN_RANGES.eta);
  if (v.views !== undefined) flags.restorerViews = restorerViews(v.views);
  if (v.scheduler !== undefined) flags.scheduler = scheduler;
  if (v['color-fix'] !== undefined) flags.colorFix = colorFix;
  if (v['color-fix-levels'] !== undefined) flags.colorFixLevels = number('--color-fix-levels', v['color-fix-levels'], RUN_RANGES.colorFixLevels);
  if (v.faithful || v['no-faithful']) flags.useRestorer = Boolean(v.faithful);

  const restore = restoreText(v.restore);
  const draft: RestoreParams = {
    ...DEFAULT_RESTORE_PARAMS,
    restorationPrompt: withUpsample(restore.text, v.upsample),
    semanticPrompt: promptText('--prompt', v.prompt ?? ''),
    negativePrompt: promptText('--negative', v.negative ?? ''),
    seed: v.seed !== undefined ? number('--seed', v.seed, RUN_RANGES.seed) : randomInt(0, 2 ** 31),
    tileSize: v.tile !== undefined ? number('--tile', v.tile, RUN_RANGES.tileSize) : DEFAULT_RESTORE_PARAMS.tileSize,
    tileOverlap: v['tile-overlap'] !== undefined ? number('--tile-overlap', v['tile-overlap'], RUN_RANGES.tileOverlap) : DEFAULT_RESTORE_PARAMS.tileOverlap,
  };
  // The prompts and the other fields now; the sampling settings again once the pack's defaults are known.
  const { params } = checkParams(draft, null);
  const quality = v.quality !== undefined ? number('--quality', v.quality, { integer: true, min: 1, max: 100 }) : undefined;
  const threads = threadCount(v.threads, env.SPIRE_THREADS);
  const maxMegapixels =
    v['max-megapixels'] !== undefined
      ? parseMaxMegapixels(v['max-megapixels'], '--max-megapixels')
      : env.SPIRE_MAX_MEGAPIXELS
        ? parseMaxMegapixels(env.SPIRE_MAX_MEGAPIXELS)
        : undefined;
  const providers = (v.ep ?? env.SPIRE_PROVIDERS ?? 'auto')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const folderFormat = v.format !== undefined ? outputFormat(v.format) : 'png';

  return {
    inputs: positionals,
    output: v.output,
    params,
    flags,
    restoreGiven: v.restore !== undefined,
    understood: restore.understood,
    regions,
    model: v.model,
    providers,
    threads,
    maxMegapixels,
    folderFormat,
    quality,
    force: Boolean(v.force),
    stripLocation: Boolean(v['strip-location']),
    colour: colourMode(v.colour ?? v.color),
    shard: v.shard !== undefined ? parseShard(v.shard) : undefined,
    json: Boolean(v.json),
  };
}

/**
 * `--restore` as grammar text: plain words (common/plainWords.ts) are read here, once, so the engine
 * only ever sees canonical text; `understood` is the stderr line saying what they were read as.
 */
function restoreText(given: string | undefined): { text: string; understood: string | null } {
  const text = promptText('--restore', given ?? RESTORATION_GRAMMAR.autoPrompt);
  try {
    const { prompt, plainWords } = understandRestorationPrompt(text);
    return { text: prompt.text, understood: plainWords ? `understood "${printable(text, 200)}" as "${prompt.text}"` : null };
  } catch (err) {
    if (err instanceof RestorationPromptError) throw new SpireError('bad-prompt', `Restoration prompt: ${err.message}.`);
    throw err;
  }
}

function splitRegionSpec(flag: string, spec: string, value: string): [string, string] {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new SpireError('usage', `${flag} takes <mask image>=<${value}>, got "${printable(spec, 80)}".`);
  return [spec.slice(0, eq), spec.slice(eq + 1)];
}

/** `keep` (any case) or a restoration prompt in the grammar (`auto` allowed), as the engine will read it. */
function regionRestoration(mask: string, text: string): RegionRestoration {
  if (text.trim().toLowerCase() === KEEP_AS_IS) return { kind: 'keep' };
  try {
    return { kind: 'prompt', restorationPrompt: parseRestorationPrompt(text).text };
  } catch (err) {
    if (err instanceof RestorationPromptError) throw new SpireError('bad-prompt', `--region-restore ${mask}: ${err.message} (or "${KEEP_AS_IS}" to keep the region as it is).`);
    throw err;
  }
}

/**
 * The regions of `--region` and `--region-restore`, in the order their masks first appear on the
 * command line (later regions win where they overlap); one region per mask file named by both.
 */
function regionSpecs(argv: readonly string[], semantic: readonly string[], restore: readonly string[]): RegionSpec[] {
  const at = (flag: string, spec: string): number => {
    const i = argv.findIndex((a, k) => a === `${flag}=${spec}` || (a === spec && argv[k - 1] === flag));
    return i < 0 ? argv.length : i;
  };
  const specs: (RegionSpec & { at: number })[] = semantic.map((spec) => {
    const [mask, prompt] = splitRegionSpec('--region', spec, 'prompt');
    return { mask, prompt: promptText(`--region ${printable(mask, 60)}`, prompt), at: at('--region', spec) };
  });
  const restored = new Set<string>();
  for (const spec of restore) {
    const [mask, text] = splitRegionSpec('--region-restore', spec, `restoration prompt or ${KEEP_AS_IS}`);
    const key = normalize(mask);
    if (restored.has(key)) throw new SpireError('usage', `--region-restore names ${mask} twice; give each mask one restoration.`);
    restored.add(key);
    const restoration = regionRestoration(mask, promptText(`--region-restore ${printable(mask, 60)}`, text));
    const same = specs.filter((s) => normalize(s.mask) === key);
    if (same.length > 1) throw new SpireError('usage', `--region names ${mask} twice, so --region-restore cannot tell which region it restores; give the mask once.`);
    if (same[0]) {
      same[0].restoration = restoration;
      same[0].at = Math.min(same[0].at, at('--region-restore', spec));
    } else specs.push({ mask, prompt: '', restoration, at: at('--region-restore', spec) });
  }
  return specs.sort((a, b) => a.at - b.at).map(({ at: _at, ...r }) => r);
}

/** `--threads`, else SPIRE_THREADS (empty: unset), else 0 (onnxruntime decides); a whole number from 0 to 1024. */
function threadCount(flag: string | undefined, env: string | undefined): number {
  const range = { integer: true, min: 0, max: 1024 };
  if (flag !== undefined) return number('--threads', flag, range);
  if (env === undefined || env.trim() === '') return 0;
  return number('SPIRE_THREADS (environment)', env, range);
}

function restorerViews(text: string): RestorerViews {
  const views = number('--views', text, { integer: true, min: Math.min(...RESTORER_VIEWS), max: Math.max(...RESTORER_VIEWS) });
  if (!(RESTORER_VIEWS as readonly number[]).includes(views)) throw new SpireError('usage', `--views must be ${RESTORER_VIEWS.join(', ')}, got ${views}.`);
  return views as RestorerViews;
}

/** `--colour` (or `--color`): srgb (default) or keep-profile. */
function colourMode(text: string | undefined): ColourMode {
  if (text === undefined) return 'srgb';
  const mode = text.trim().toLowerCase();
  if (!(COLOUR_MODES as readonly string[]).includes(mode))
    throw new SpireError('usage', `--colour must be srgb (convert to sRGB, for screens and the web) or keep-profile (keep the photo's own colour profile), got "${printable(text, 40)}".`);
  return mode as ColourMode;
}

/** `--format`: png, jpeg (or jpg), webp, tiff (or tif), any case. */
function outputFormat(text: string): OutputFormat {
  const lower = text.toLowerCase();
  const f = lower === 'jpg' ? 'jpeg' : lower === 'tif' ? 'tiff' : lower;
  if (!['png', 'jpeg', 'webp', 'tiff'].includes(f)) throw new SpireError('usage', `--format must be png, jpeg, webp or tiff, got "${text}".`);
  return f as OutputFormat;
}

/**
 * The prompt with `--upsample K` added as its `Upsample to K.0x;` clause (the output size is the user's
 * choice, also with `auto`). A prompt that already names an output size, or the blind prompt, refuses it.
 */
export function withUpsample(prompt: string, upsample: string | undefined): string {
  if (upsample === undefined) return prompt;
  const spec = RESTORATION_GRAMMAR.operations.find((o) => o.key === 'downsample');
  const factor = number('--upsample', upsample, { min: spec?.min ?? 1, max: spec?.max ?? 7 });
  let parsed;
  try {
    parsed = parseRestorationPrompt(prompt);
  } catch (err) {
    if (err instanceof RestorationPromptError) throw new SpireError('bad-prompt', `Restoration prompt: ${err.message}.`);
    throw err;
  }
  if (parsed.blind) throw new SpireError('usage', `--upsample cannot be combined with "${RESTORATION_GRAMMAR.blindPrompt}"; give the prompt's operations, or "auto".`);
  if (parsed.operations.some((o) => o.key === 'downsample')) throw new SpireError('usage', 'The restoration prompt already names the output size (Upsample); drop --upsample or that clause.');
  const operations = [...parsed.operations, { key: 'downsample', value: Number(factor.toFixed(spec?.decimals ?? 1)) }];
  const order = RESTORATION_GRAMMAR.operations.map((o) => o.key);
  operations.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  return formatRestorationPrompt({ operations, blind: false, auto: parsed.auto });
}
