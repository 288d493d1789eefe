/**
 * What `spire restore` says about each image. stdout carries the results, stderr everything else:
 *
 *   text    stdout `kodim01.png -> out/kodim01.png (768 x 512, 41.3 s, seed 7, cpu)`
 *   --json  stdout one object per image:
 *           {"input","output","width","height","seconds","seed","restorationPrompt","requestedPrompt",
 *            "estimate","prompt","negativePrompt","regions","steps","settings","provider","pack"}
 *           regions: per region {"prompt","restoration"} (`keep`, a prompt, or null: the run's), plus
 *           "restorationUsed" (and "estimate" for `auto`) when it restored with its own prompt
 *   failed  stdout (--json) {"input","output":null,"error":{"code","message"}}; stderr `spire: [<name>: ]<message>`
 *
 * Progress bars, the settings line and the estimate go to stderr through the ProgressReporter.
 */
import type { RestoreParams } from '../engine/pipeline/types';
import type { RestoreJobResult } from '../engine/protocol';
import type { ProgressReporter, ProgressStream } from './progress';
import type { RestoreTarget } from './restoreTargets';
import { RUN_SETTING_KEYS } from './runSettings';
import { KEEP_AS_IS } from '../../common/regions';
import { printable } from './parse';

export class RestoreReport {
  /** The inputs already reported (restored or failed). */
  private readonly reported = new Set<string>();

  constructor(
    private readonly stdout: ProgressStream,
    private readonly json: boolean,
    /** stderr: progress bars and lines of their own. */
    readonly progress: ProgressReporter,
  ) {}

  /** Whether `input` has had its line (restored or failed). */
  has(input: string): boolean {
    return this.reported.has(input);
  }

  /** A line of its own on stderr (control characters escaped: it may quote a prompt or a file name). */
  line(text: string): void {
    this.progress.line(printable(text));
  }

  /**
   * An image that failed: its JSON line (--json) and `spire: [<label>: ]<message>` on stderr
   * (`quiet`: the JSON line only, when the caller prints the message itself).
   */
  failed(input: string, code: string, message: string, label?: string, options: { quiet?: boolean } = {}): void {
    this.reported.add(input);
    if (this.json) this.stdout.write(`${JSON.stringify({ input, output: null, error: { code, message } })}\n`);
    if (!options.quiet) this.line(`spire: ${label !== undefined ? `${label}: ` : ''}${message}`);
  }

  /** An image restored and written; `params` are the run's (its requested prompt and settings). */
  restored(target: RestoreTarget, label: string, result: RestoreJobResult, params: RestoreParams, seconds: number): void {
    this.reported.add(target.input);
    if (!this.json) {
      this.stdout.write(`${label} -> ${target.output} (${result.image.width} x ${result.image.height}, ${seconds.toFixed(1)} s, seed ${result.seed}, ${result.provider ?? 'unknown provider'})\n`);
      return;
    }
    this.stdout.write(
      `${JSON.stringify({
        input: target.input,
        output: target.output,
        width: result.image.width,
        height: result.image.height,
        seconds: Number(seconds.toFixed(3)),
        seed: result.seed,
        restorationPrompt: result.restorationPrompt,
        requestedPrompt: params.restorationPrompt,
        estimate: result.estimate,
        prompt: params.semanticPrompt,
        negativePrompt: params.negativePrompt,
        regions: result.regions ?? params.regions.map((r) => ({ prompt: r.prompt, restoration: r.restoration ? (r.restoration.kind === 'keep' ? KEEP_AS_IS : r.restoration.restorationPrompt) : null })),
        steps: result.stepsRun,
        settings: Object.fromEntries(RUN_SETTING_KEYS.map((k) => [k, params[k]])),
        provider: result.provider,
        pack: result.pack?.name ?? null,
      })}\n`,
    );
  }
}
