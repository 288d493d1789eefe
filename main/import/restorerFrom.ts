/**
 * `--restorer-from <pack>`: gives an imported pack the restorer and the degradation estimator of a
 * SPIRE pack (e.g. the embedded spire-compact), so it runs faithful mode: restorer -> encode ->
 * noise to the strength -> the imported prior -> decode -> detail transfer.
 *
 * The restorer reads the restoration prompt through the donor's own text encoder (spire-compact's:
 * [batch, 32, 128]; SD 1.5's CLIP gives [batch, 77, 768]), so that encoder and its tokenizer come
 * too, as `restoration_text_encoder` and `restorationTextEncoder` (textEncoder.sharedForRestorationPrompt
 * false; main/engine/packs.ts). Files copied:
 *   restorer/*            -> restorer/*
 *   estimator/*           -> estimator/*                 (when the donor has one)
 *   donor's text encoder  -> restoration_text_encoder/*
 *   donor's tokenizer     -> restoration_tokenizer/*
 */
import { join, posix } from 'node:path';
import { SpireError } from '../../common/errors';
import { readManifest, type ComponentSpec, type SpirePackSpec } from '../engine/packs';
import type { PackFile } from './onnxExport';

export interface RestorerPlan {
  files: PackFile[];
  /** Applies the donor's sections to the imported pack's manifest (a plain JSON object). */
  apply(manifest: Record<string, unknown>): void;
}

function moved(file: string, from: string, to: string): string {
  const parts = file.split('/');
  return parts[0] === from ? [to, ...parts.slice(1)].join('/') : posix.join(to, posix.basename(file));
}

/** Reads and checks the donor pack (before anything is written); plans what to copy. */
export async function planRestorerFrom(donorDir: string): Promise<RestorerPlan> {
  let spec: SpirePackSpec | null;
  try {
    spec = (await readManifest(donorDir)).spire;
  } catch (err) {
    throw new SpireError('import-unsupported', `--restorer-from ${donorDir}: ${(err as Error).message}`);
  }
  if (!spec) throw new SpireError('import-unsupported', `--restorer-from ${donorDir}: its manifest.json has no formatVersion; give a SPIRE pack (such as models/packs/spire-compact).`);
  if (!spec.hasRestorer || !spec.components.restorer) {
    throw new SpireError('import-unsupported', `--restorer-from ${donorDir}: the pack "${spec.name}" has no restorer; give a pack that has one (such as models/packs/spire-compact).`);
  }
  const donor = spec;
  const files: PackFile[] = [];
  const copyComponent = (name: string, entry: ComponentSpec, folder: string): ComponentSpec => {
    const copy: ComponentSpec = structuredClone(entry);
    copy.file = moved(entry.file, entry.file.split('/')[0] ?? name, folder);
    files.push({ from: join(donorDir, entry.file), to: copy.file });
    if (entry.externalData) {
      copy.externalData = moved(entry.externalData, entry.externalData.split('/')[0] ?? name, folder);
      files.push({ from: join(donorDir, entry.externalData), to: copy.externalData });
    }
    return copy;
  };
  const restorer = copyComponent('restorer', donor.components.restorer as ComponentSpec, 'restorer');
  const estimator = donor.estimator && donor.components.estimator ? copyComponent('estimator', donor.components.estimator, 'estimator') : null;
  const shared = donor.textEncoder.sharedForRestorationPrompt;
  const encoderEntry = shared ? donor.components.text_encoder : donor.components.restoration_text_encoder;
  const tokenizer = shared ? donor.tokenizer : donor.restorationTextEncoder?.tokenizer;
  const hiddenSize = shared ? donor.textEncoder.hiddenSize : donor.restorationTextEncoder?.hiddenSize;
  if (!encoderEntry || !tokenizer || hiddenSize === undefined) {
    throw new SpireError('import-unsupported', `--restorer-from ${donorDir}: the pack does not say which text encoder its restorer reads.`);
  }
  const encoder = copyComponent('restoration_text_encoder', encoderEntry, 'restoration_text_encoder');
  const tokenizerFiles: Record<string, string> = {};
  for (const [key, file] of Object.entries(tokenizer.files)) {
    if (file === undefined) continue;
    tokenizerFiles[key] = posix.join('restoration_tokenizer', posix.basename(file));
    files.push({ from: join(donorDir, file), to: tokenizerFiles[key] as string });
  }

  return {
    files,
    apply(manifest) {
      const components = manifest.components as Record<string, unknown>;
      components.restorer = restorer;
      components.restoration_text_encoder = encoder;
      if (estimator && donor.estimator) {
        components.estimator = estimator;
        manifest.estimator = structuredClone(donor.estimator);
      }
      manifest.hasRestorer = true;
      manifest.textEncoder = { ...(manifest.textEncoder as Record<string, unknown>), sharedForRestorationPrompt: false };
      manifest.restorationTextEncoder = { hiddenSize, tokenizer: { folder: 'restoration_tokenizer', files: tokenizerFiles, maxLength: tokenizer.maxLength } };
      manifest.defaults = { ...((manifest.defaults as Record<string, unknown> | undefined) ?? {}), useRestorer: true };
      manifest.producer = { ...((manifest.producer as Record<string, unknown> | undefined) ?? {}), restorerFrom: donor.name };
    },
  };
}
