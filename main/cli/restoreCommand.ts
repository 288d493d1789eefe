/**
 * `spire restore <input...> -o <output>`: restore images with the engine in a worker thread.
 * Ctrl+C cancels the running job; nothing partial is ever written. The recipe, one module a step:
 *
 *   1. restoreArgs.ts       the flags, every value checked (prompt grammar, ranges)
 *   2. restoreTargets.ts    inputs (files or a folder) -> outputs; existing ones refused without --force
 *   3. regions.ts           the region masks
 *   4. restoreTargets.ts    each input's header probed (unreadable: exit 3, or reported in a batch)
 *   5. restoreSettings.ts   app defaults < the pack's recommended settings < the flags, checked
 *   6. engine.ts            the engine started (pack loaded?), the settings printed on stderr
 *   7. restoreRun.ts        per image: restore with progress, write atomically, report (report.ts)
 */
import { resolve } from 'node:path';
import { MAX_MEGAPIXELS_ENV } from '../engine/image';
import { isSpireError } from '../../common/errors';
import { EXIT, type ExitCode } from './exitCodes';
import type { CliIo } from './io';
import { defaultPackRoots, startEngine } from './engine';
import { ProgressReporter } from './progress';
import { readRegions } from './regions';
import { RestoreReport } from './report';
import { parseRestoreArgs, type RestoreArgs } from './restoreArgs';
import { RESTORE_HELP } from './restoreHelp';
import { restoreEach } from './restoreRun';
import { resolveRunSettings } from './restoreSettings';
import { planTargets, probeTargets, type RestoreTarget } from './restoreTargets';
import { describeRunSettings } from './runSettings';

export async function restoreCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  // 1. flags
  const args = parseRestoreArgs(argv, io.env);
  if (args === 'help') {
    io.stdout.write(RESTORE_HELP);
    return EXIT.ok;
  }
  const report = new RestoreReport(io.stdout, args.json, new ProgressReporter(io.stderr));
  if (args.understood) report.line(args.understood);
  let targets: RestoreTarget[] = [];
  try {
    // 2. inputs and outputs
    targets = await planTargets(args, io.cwd, (line) => report.line(line));
    // --shard i/n with more shares than inputs: this one has none (planTargets said so); that is no failure.
    if (targets.length === 0) return EXIT.ok;
    return await restoreTargets(args, targets, report, io);
  } catch (err) {
    // With --json a run that stops before its images ran still says, per input, why (main.ts prints the message).
    if (args.json && isSpireError(err)) {
      const inputs = targets.length > 0 ? targets.map((t) => t.input) : args.inputs.map((p) => resolve(io.cwd, p));
      for (const input of inputs) if (!report.has(input)) report.failed(input, err.code, err.message, undefined, { quiet: true });
    }
    throw err;
  }
}

/** Steps 3-7 for the planned targets. */
async function restoreTargets(args: RestoreArgs, targets: RestoreTarget[], report: RestoreReport, io: CliIo): Promise<ExitCode> {
  // 3. region masks
  const params = { ...args.params, regions: await readRegions(args.regions, io.cwd) };
  // 4. unreadable inputs, before the engine starts
  const { runnable, worst } = await probeTargets(targets, report, args.maxMegapixels);
  if (runnable.length === 0) return worst;
  // 5. run settings
  const packOverride = args.model ? resolve(io.cwd, args.model) : (io.env.SPIRE_MODEL_PACK ?? null);
  const packRoots = io.packRoots ?? defaultPackRoots(io.cwd);
  const settings = await resolveRunSettings(params, args.flags, args.restoreGiven, { override: packOverride, roots: packRoots });
  // 6. engine
  const host = await startEngine({
    workerPath: io.workerPath,
    env: io.env,
    packOverride,
    packRoots,
    providers: args.providers.length > 0 ? args.providers : ['auto'],
    threads: args.threads,
    ...(args.maxMegapixels !== undefined ? { workerEnv: { [MAX_MEGAPIXELS_ENV]: String(args.maxMegapixels) } } : {}),
    interrupt: io.interrupt,
    note: (t) => report.line(t),
  });
  report.line(describeRunSettings(settings.merged, host.status().pack?.name ?? settings.pack?.name ?? null));
  // 7. one image at a time
  try {
    // The pack's fewer views for large photos apply unless --views chose them (restoreRun.ts says when they do).
    const largePhotos = settings.merged.sources.restorerViews === 'flag' ? null : (settings.pack?.largePhotos ?? null);
    return await restoreEach(host, runnable, { params: settings.params, quality: args.quality, force: args.force, stripLocation: args.stripLocation, colour: args.colour, interrupt: io.interrupt, largePhotos, outputScale: settings.outputScale }, report, worst);
  } finally {
    await host.stop();
  }
}
