/**
 * `spire restore --help`: every flag, with its range and default read from the run-settings
 * vocabulary (common/runSettings.ts), so the text cannot drift from what the flags accept.
 */
import { DEFAULT_RESTORE_PARAMS } from '../engine/jobs/restoreParams';
import { APP_RUN_DEFAULTS, COLOR_FIX_NAMES, RESTORER_VIEWS, RUN_RANGES, SCHEDULER_NAMES } from '../../common/runSettings';

/** A range as the help text writes it: "1-500". */
const span = (range: { min: number; max: number }): string => `${range.min}-${range.max}`;

export const RESTORE_HELP = `Usage: spire restore <input...> -o <output> [options]

Restores photos with the SPIRE model. <input> is an image file (PNG, JPEG, WebP,
TIFF) or a folder of them; with several inputs or a folder, -o is a folder
(created if missing; outputs are <name>.png unless --format says otherwise).

Prompts:
  --restore "<prompt>"      restoration prompt (default "auto": the model pack's estimator reads the blur,
                            noise and JPEG compression of each photo and writes them as the prompt, which
                            is printed; a photo it finds clean is left as it is), or your own, e.g.
                            "Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;"
                            or "Remove all degradation" (blind: the estimate steers the restorer inside);
                            plain words too: "sharpen a little and upscale 2x" (docs/plain-words.md; what
                            they were read as is printed)
  --upsample K              output size: K times the input (1-7; adds "Upsample to K.0x;" to the prompt);
                            the estimate never changes the size
  --prompt "<text>"         semantic prompt: what is in the photo ("two zebras on a road")
  --negative "<text>"       negative prompt
  --region <mask.png>=<text>  a prompt for the white part of a mask image (repeatable)
  --region-restore <mask.png>=<prompt>
                            the white part of a mask image restored with its own restoration prompt
                            (repeatable; the grammar of --restore, "auto" = read from the region itself),
                            or "keep": left exactly as it is. The same mask given to --region too is one
                            region with both prompts; regions stack in the order given (a later one wins
                            where they overlap); pixels away from every region are as without regions

Sampling (defaults come from the model pack: what its manifest.json recommends,
else the values shown; a flag always wins; the settings used are printed on stderr):
  --steps N                 denoising steps, ${span(RUN_RANGES.steps)} (default ${APP_RUN_DEFAULTS.steps})
  --guidance W              classifier-free guidance scale, ${span(RUN_RANGES.guidanceScale)} (default ${APP_RUN_DEFAULTS.guidanceScale})
  --seed S                  seed, ${span(RUN_RANGES.seed)} (default: random; printed and stored in the file)
  --strength F              ${span(RUN_RANGES.strength)}; 1 starts from noise, lower keeps more of the input (default ${APP_RUN_DEFAULTS.strength});
                            0 with --faithful: the restorer's output only, no diffusion
  --scheduler ${SCHEDULER_NAMES.join('|')} (default ${APP_RUN_DEFAULTS.scheduler})
  --color-fix ${COLOR_FIX_NAMES.join('|')}  (default ${APP_RUN_DEFAULTS.colorFix})
  --color-fix-levels N      wavelet colour fix: take what is coarser than about 2^(N+1) pixels from the
                            input (faithful: the restorer's output), ${span(RUN_RANGES.colorFixLevels)} (default ${APP_RUN_DEFAULTS.colorFixLevels})
  --eta E                   DDIM eta, ${span(RUN_RANGES.eta)} (default ${APP_RUN_DEFAULTS.eta})
  --faithful, --no-faithful run the pack's first-stage restorer first (more faithful), or not (default off)
  --views ${RESTORER_VIEWS.join('|')}           faithful mode: the restorer also sees the mirrored/turned image and averages
                            (cleaner, N times the restorer's time; default ${APP_RUN_DEFAULTS.restorerViews})
  --tile N                  tile size in pixels for large images (default 0 = the pack's native size)
  --tile-overlap N          tile overlap in pixels (default ${DEFAULT_RESTORE_PARAMS.tileOverlap})

Engine:
  --model <pack dir>        model pack (default: SPIRE_MODEL_PACK, else the first pack in models/packs)
  --ep <provider[,..]>      execution providers to try in order: cuda, dml, coreml, webgpu, cpu (default: auto)
  --threads N               CPU threads for onnxruntime (default: its choice)
  --max-megapixels N        the largest image it reads, in megapixels (default: from this machine's memory,
                            16-100; also SPIRE_MAX_MEGAPIXELS); larger images are refused before decoding

Output:
  -o, --output <path>       output file (.png, .jpg, .webp, .tif) or folder
  --format png|jpeg|webp|tiff  output format in folder mode (default png)
  --quality Q               JPEG/WebP quality 1-100 (default 95)
  --force                   replace existing output files
  --colour srgb|keep-profile  srgb (default): sRGB pixels, for screens and the web; keep-profile: the
                            photo's own colour profile (Adobe RGB, ProPhoto, ...) embedded and the pixels
                            converted back into it, colours outside sRGB kept, 16-bit in PNG and TIFF
  --strip-location          leave the photo's GPS position out (off by default: camera EXIF, GPS, XMP,
                            IPTC and DPI are carried from each input to its output)
  --shard i/n               restore only share i (1 to n) of the inputs: sorted by path, every n-th from
                            the i-th, whatever order they were given in (split a folder across n machines:
                            a Slurm array, a Kubernetes indexed job, GNU parallel); an empty share exits 0
  --json                    print one JSON object per image on stdout
  -h, --help                this help

Exit codes: 0 ok, 1 restore failed, 2 usage or bad prompt, 3 bad input image,
4 model pack problem, 5 output write problem, 130 interrupted (Ctrl+C).
`;
