// Pure helpers of `npm run bench:quality` (scripts/bench/quality.mjs, qualityCase.ts): argument
// parsing, the pack settings (named rows such as `faithful s=0.25`), which cases each setting
// runs on, and file-name slugs. No I/O, so test/unit/scripts/bench/qualityArgs.test.ts checks them.

export const PROVIDERS = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
export const SETS = ['Kodak24', 'CBSD68', 'McMaster', 'Set5', 'Set14'];
/** models/tools/quality/cases.py FAMILY_ORDER. */
export const FAMILIES = ['noise', 'blur', 'sr4', 'jpeg', 'mixed', 'blind', 'auto', 'auto-oracle', 'auto-blind', 'clean', 'clean-blind'];

/**
 * Settings of a pack with a restorer (faithful mode; each with the restorer views the pack recommends)
 * and of one without, most faithful first.
 */
export const RESTORER_SETTINGS = ['faithful s=0', 'faithful s=0.1', 'faithful s=0.25'];
export const PLAIN_SETTINGS = ['s=0.25', 's=0.5', 's=1'];

/** Options a run keeps in its run.json (the engine's) and cases.json (the cases'): fixed once it started. */
export const RUN_OPTIONS = ['--model', '--settings', '--steps', '--guidance', '--seed', '--color-fix', '--ep', '--control-settings'];
export const CASE_OPTIONS = ['--full', '--per-set', '--auto-per-set', '--gen-per-set', '--crop', '--sets', '--families'];

export const DEFAULTS = {
  model: null,
  out: null,
  resume: null,
  full: false,
  perSet: '4,Set5=5',
  autoPerSet: 'all',
  genPerSet: 2,
  crop: 256,
  sets: null,
  families: null,
  settings: null,
  steps: 20,
  guidance: 3,
  seed: 0,
  colorFix: 'wavelet',
  ep: 'cpu',
  controlSettings: 2,
  help: false,
};

export const USAGE = `usage: npm run bench:quality -- [options]

Quality of a SPIRE model pack THROUGH THE TYPESCRIPT ENGINE (restore()) on Kodak24, CBSD68,
McMaster, Set5 and Set14 (../shared/datasets), against the degraded input and classical
baselines: noise, blur, sr4, jpeg, mixed and blind (Real-ESRGAN) degradations at fixed seeds,
PSNR (RGB) and SSIM (Y), target checks, controllability sweeps and a visual sheet.

  --model DIR          the pack (default: SPIRE_MODEL_PACK, else the first pack in models/packs/,
                       as the CLI picks it); e.g. --model test/fixtures/packs/tiny-random
  --per-set SPEC       images per set, first in natural order: N, 'all', and SET=N overrides
                       (default ${DEFAULTS.perSet})
  --auto-per-set SPEC  images per set of the auto families (auto, auto-oracle, auto-blind, clean,
                       clean-blind: everyday degradations drawn per image, restored with \`auto\`, the true
                       prompt and the blind prompt), same form (default ${DEFAULTS.autoPerSet})
  --gen-per-set N      of those, how many also run at the generative settings (strength > 0);
                       restorer-only settings (s=0) run on all (default ${DEFAULTS.genPerSet})
  --crop N             centre crop of at most N x N ground-truth pixels, 0 = whole images (default ${DEFAULTS.crop})
  --full               every image, whole (--per-set all --gen-per-set all --crop 0): hours on a CPU
  --sets LIST          comma-separated subset of Kodak24,CBSD68,McMaster,Set5,Set14
  --families LIST      comma-separated subset of ${FAMILIES.join(',')}
  --settings LIST      pack settings, comma-separated, most faithful first, each \`[faithful ]s=<strength>[ v=<views>][ l=<levels>]\`
                       (v: views the restorer averages, 1, 2, 4 or 8; default 1;
                        l: the wavelet colour fix's levels, 1-8; default the pack's, else 5)
                       (default: ${RESTORER_SETTINGS.join(', ')} with a restorer, at the views the pack
                        recommends; ${PLAIN_SETTINGS.join(', ')} without)
  --steps N            denoising steps at strength 1 (default ${DEFAULTS.steps})
  --guidance X         classifier-free guidance (default ${DEFAULTS.guidance})
  --seed N             engine seed (default ${DEFAULTS.seed})
  --color-fix NAME     wavelet, adain or none (default ${DEFAULTS.colorFix}, the app's)
  --ep NAME            execution provider: ${PROVIDERS.join(', ')} (default ${DEFAULTS.ep}; falls back to cpu)
  --control-settings N controllability at the first N settings that run (default ${DEFAULTS.controlSettings}; 0 = none)
  --out DIR            run folder (default test-results/bench-quality/<date>)
  --resume DIR         finish an interrupted run with the options it started with (DIR/run.json):
                       keep its cases, skip outputs already written
  --help               this text

Output: <run>/report.md (printed), results.json, sheet.png, controllability/*.png.`;

export class QualityArgError extends Error {
  constructor(message) {
    super(message);
    this.name = 'QualityArgError';
  }
}

const SETTING = /^(faithful\s+)?s\s*=\s*(\d+(?:\.\d+)?|\.\d+)(?:\s+v\s*=\s*(\d+))?(?:\s+l\s*=\s*(\d+))?$/;

/**
 * `faithful s=0.25` -> { name, useRestorer: true, strength: 0.25, restorerViews: 1 }; `faithful s=0 v=8`: the
 * restorer averages 8 views (restorerViews); `... l=3`: the wavelet colour fix's levels (colorFixLevels; left
 * out, the pack's default). Name in canonical form (`s=.5` -> `s=0.5`, ` v=N` only when N > 1, ` l=N` when
 * given); throws QualityArgError otherwise.
 */
export function parseSetting(text) {
  const name = String(text).trim();
  const m = SETTING.exec(name);
  if (!m) throw new QualityArgError(`setting ${JSON.stringify(text)} is not \`[faithful ]s=<strength>[ v=<views>][ l=<levels>]\` (e.g. "faithful s=0.25", "faithful s=0 v=8", "faithful s=0.25 v=8 l=3").`);
  const strength = Number(m[2]);
  if (!(strength >= 0 && strength <= 1)) throw new QualityArgError(`setting ${JSON.stringify(text)}: the strength must be from 0 to 1.`);
  if (strength === 0 && !m[1]) throw new QualityArgError(`setting ${JSON.stringify(text)}: strength 0 runs no diffusion, so it needs the restorer: write "faithful s=0".`);
  const views = m[3] === undefined ? 1 : Number(m[3]);
  if (![1, 2, 4, 8].includes(views)) throw new QualityArgError(`setting ${JSON.stringify(text)}: views (v=) must be 1, 2, 4 or 8.`);
  if (views > 1 && !m[1]) throw new QualityArgError(`setting ${JSON.stringify(text)}: views (v=) are the restorer's, so they need "faithful".`);
  const levels = m[4] === undefined ? undefined : Number(m[4]);
  if (levels !== undefined && !(levels >= 1 && levels <= 8)) throw new QualityArgError(`setting ${JSON.stringify(text)}: the colour fix's levels (l=) must be 1 to 8.`);
  const canonical = `${m[1] ? 'faithful ' : ''}s=${strength}${views > 1 ? ` v=${views}` : ''}${levels !== undefined ? ` l=${levels}` : ''}`;
  return { name: canonical, useRestorer: Boolean(m[1]), strength, restorerViews: views, ...(levels !== undefined ? { colorFixLevels: levels } : {}) };
}

/** The default settings for a pack. */
export function defaultSettings(hasRestorer, views = 1) {
  if (!hasRestorer) return PLAIN_SETTINGS.map(parseSetting);
  return RESTORER_SETTINGS.map((s) => parseSetting(views > 1 ? `${s} v=${views}` : s));
}

/** Cases a setting runs on: restorer only (strength 0) is cheap and runs on every case; the rest on the generative subset. */
export function casesForSetting(setting, cases) {
  return setting.strength === 0 ? [...cases] : cases.filter((c) => c.generative);
}

/** A folder name for a setting: `faithful s=0.25` -> `faithful-s0.25`. */
export function settingSlug(name) {
  return name.toLowerCase().replace(/\s*=\s*/g, '').replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '');
}

/** `2026-11-26T06-40-00Z` for a run folder name. */
export function runStamp(date) {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

function wholeNumber(flag, text, min) {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isInteger(n) || n < min)
    throw new QualityArgError(`${flag} needs a whole number >= ${min}, got ${text === undefined ? 'nothing' : JSON.stringify(text)}.`);
  return n;
}

function number(flag, text, min, max) {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(n) || n < min || n > max)
    throw new QualityArgError(`${flag} needs a number from ${min} to ${max}, got ${text === undefined ? 'nothing' : JSON.stringify(text)}.`);
  return n;
}

function list(flag, text, allowed) {
  const items = String(text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new QualityArgError(`${flag} needs a comma-separated list.`);
  for (const it of items) if (!allowed.includes(it)) throw new QualityArgError(`${flag}: unknown ${JSON.stringify(it)}; choose from ${allowed.join(', ')}.`);
  return items;
}


/** `--per-set` / `--auto-per-set`: N, 'all', and SET=N overrides. */
function perSetSpec(flag, v) {
  if (!/^(\d+|all)(,\s*[A-Za-z0-9]+=(\d+|all))*$|^[A-Za-z0-9]+=(\d+|all)(,\s*[A-Za-z0-9]+=(\d+|all))*$/.test(v))
    throw new QualityArgError(`${flag} takes N, 'all' and SET=N overrides (e.g. "4,Set5=5"), got ${JSON.stringify(v)}.`);
  return v;
}

/** Parses the command line (`--flag value` or `--flag=value`); throws QualityArgError with what to do. */
export function parseQualityArgs(argv) {
  const o = { ...DEFAULTS };
  const explicit = new Set();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new QualityArgError(`${arg} needs a value.`);
      return v;
    };
    explicit.add(arg);
    switch (arg) {
      case '--help': case '-h': o.help = true; break;
      case '--full': o.full = true; break;
      case '--model': o.model = next(); break;
      case '--out': o.out = next(); break;
      case '--resume': o.resume = next(); break;
      case '--per-set': o.perSet = perSetSpec(arg, next()); break;
      case '--auto-per-set': o.autoPerSet = perSetSpec(arg, next()); break;
      case '--gen-per-set': { const v = next(); o.genPerSet = v === 'all' ? 'all' : wholeNumber(arg, v, 0); break; }
      case '--crop': o.crop = wholeNumber(arg, next(), 0); break;
      case '--sets': o.sets = list(arg, next(), SETS); break;
      case '--families': o.families = list(arg, next(), FAMILIES); break;
      case '--settings': o.settings = String(next()).split(',').map((s) => s.trim()).filter(Boolean).map((s) => parseSetting(s).name); break;
      case '--steps': o.steps = wholeNumber(arg, next(), 1); break;
      case '--guidance': o.guidance = number(arg, next(), 0, 50); break;
      case '--seed': o.seed = wholeNumber(arg, next(), 0); break;
      case '--color-fix': o.colorFix = list(arg, next(), ['wavelet', 'adain', 'none'])[0]; break;
      case '--ep': o.ep = list(arg, next(), PROVIDERS)[0]; break;
      case '--control-settings': o.controlSettings = wholeNumber(arg, next(), 0); break;
      default: throw new QualityArgError(`unknown option ${JSON.stringify(argv[i])}; see --help.`);
    }
  }
  if (o.settings && o.settings.length === 0) throw new QualityArgError('--settings needs at least one setting.');
  if (o.full) {
    for (const f of ['--per-set', '--gen-per-set', '--crop'])
      if (explicit.has(f)) throw new QualityArgError(`--full already means --per-set all --gen-per-set all --crop 0; drop ${f}.`);
    o.perSet = 'all';
    o.genPerSet = 'all';
    o.crop = 0;
  }
  if (o.resume && o.out) throw new QualityArgError('--resume names the run folder; drop --out.');
  if (o.resume) {
    const runOptions = [...RUN_OPTIONS, ...CASE_OPTIONS].filter((f) => explicit.has(f));
    if (runOptions.length > 0)
      throw new QualityArgError(`a resumed run keeps the options it started with (its run.json and cases.json); drop ${runOptions.join(', ')} or start a new run.`);
  }
  return o;
}
