// Strict pack validation: the tiny random pack is copied to a temporary folder and broken in
// one way per case; each broken pack must be refused with a pack-invalid SpireError that names the file and
// the mismatch. The intact copy must load and carry the typed manifest.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession } from '../../../../main/engine/onnx/runtime';
import { loadPack } from '../../../../main/engine/packLoader';
import { SpireError } from '../../../../common/errors';
import { fusedTensorNames, packInfo, readManifest, type PackManifest } from '../../../../main/engine/packs';

const source = resolve(import.meta.dirname, '../../../fixtures/packs/tiny-random');
let tmp: string;
let counter = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-strict-packs-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test edits arbitrary manifest fields

/** A fresh copy of the tiny pack (without goldens); `edit` may change the manifest and files. */
async function copyPack(edit?: (manifest: Json, dir: string) => Promise<void> | void): Promise<string> {
  const dir = join(tmp, `pack-${counter++}`);
  await cp(source, dir, { recursive: true, filter: (src) => !src.includes(`${join(source, 'golden')}`) });
  if (edit) {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Json;
    await edit(manifest, dir);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  }
  return dir;
}

async function load(dir: string): Promise<PackManifest> {
  const manifest = await readManifest(dir);
  const loaded = await loadPack(manifest, { providers: ['cpu'], threads: 1, openSession });
  await Promise.all([...loaded.sessions.values()].map((s) => s.release()));
  return manifest;
}

/** A pack refusal: the SpireError `pack-invalid`'s file and reason (details) and message. */
interface PackRefusal {
  file: string;
  reason: string;
  message: string;
}

function asPackRefusal(err: unknown): PackRefusal {
  if (!(err instanceof SpireError) || err.code !== 'pack-invalid') throw new Error(`expected a pack-invalid SpireError, got ${String(err)}`);
  return { file: err.details.file ?? '', reason: err.details.reason ?? '', message: err.message };
}

async function refusal(dir: string): Promise<PackRefusal> {
  const err = await load(dir).then(
    () => null,
    (e: unknown) => e,
  );
  return asPackRefusal(err);
}

describe('strict spire-pack validation', () => {
  it('loads the intact pack with its typed manifest', async () => {
    const m = await load(await copyPack());
    expect(m.spire?.formatVersion).toBe(1);
    expect(m.spire?.latent).toEqual({ channels: 4, scaleFactor: 0.5, downsamplingFactor: 4 });
    expect(fusedTensorNames(m.spire!)).toHaveLength(10);
  });

  const cases: [string, (m: Json, dir: string) => Promise<void> | void, RegExp, string][] = [
    ['an unknown format version', (m) => void (m.formatVersion = 2), /formatVersion 2; .* reads formatVersion 1/, 'manifest.json'],
    ['a field of the wrong type', (m) => void (m.latent.scaleFactor = -1), /latent\.scaleFactor: .*>0/, 'manifest.json'],
    [
      'a prediction type the scheduler disagrees with',
      (m) => void (m.predictionType = 'v_prediction'),
      /predictionType is "v_prediction" but scheduler\.config\.prediction_type is "epsilon"/,
      'manifest.json',
    ],
    ['a missing component entry', (m) => void delete m.components.vae_decoder, /components\.vae_decoder is missing/, 'manifest.json'],
    [
      'adaptor outputs out of skip order',
      (m) => void m.adaptor.skips.reverse(),
      /adaptor outputs .* must be the adaptor\.skips tensors in order/,
      'manifest.json',
    ],
    ['a missing tokenizer file', (_m, dir) => rm(join(dir, 'tokenizer/merges.txt')), /is missing \(tokenizer\.files\.merges/, 'merges.txt'],
    ['a missing ONNX file', (_m, dir) => rm(join(dir, 'unet/model.onnx')), /is missing \(components\.unet\.file/, 'unet/model.onnx'],
    [
      'corrupt ONNX bytes',
      (_m, dir) => writeFile(join(dir, 'adaptor/model.onnx'), Buffer.from('not an onnx graph at all')),
      /could not be opened as an ONNX model/,
      'adaptor/model.onnx',
    ],
    [
      'a wrong input name',
      (m) => void (m.components.vae_decoder.inputs[0].name = 'latents'),
      /manifest lists inputs the model lacks: latents; the model has inputs the manifest does not list: latent_sample/,
      'vae_decoder/model.onnx',
    ],
    [
      'a wrong dtype',
      (m) => void (m.components.vae_encoder.inputs[0].dtype = 'float16'),
      /input "sample"\): element type float32, manifest says float16/,
      'vae_encoder/model.onnx',
    ],
    [
      'a restorer degradation input of the wrong length',
      (m) => void m.components.restorer.inputs.push({ name: 'degradation', dtype: 'float32', shape: ['batch', 12] }),
      /restorer input "degradation" must have shape \[batch, 13\]/,
      'manifest.json',
    ],
    [
      'a restorer input the engine cannot feed',
      (m) => void m.components.restorer.inputs.push({ name: 'noise_map', dtype: 'float32', shape: ['batch', 1] }),
      /restorer has inputs the engine cannot feed \(noise_map\)/,
      'manifest.json',
    ],
    [
      'a wrong fixed dim',
      (m) => void (m.components.unet.inputs[2].shape = ['batch', 16, 48]),
      /input "encoder_hidden_states"\): dim 2 is 32, manifest says 48/,
      'unet/model.onnx',
    ],
    [
      'a restorer reading another embedding than the restoration prompt\'s',
      (m) => void (m.components.restorer.inputs[1].shape = ['batch', 16, 48]),
      /restorer input "encoder_hidden_states" is \[batch, 16, 48\] but the restoration prompt's embedding is \[batch, 16, 32\]/,
      'manifest.json',
    ],
  ];

  it.each(cases)('refuses %s, naming the file and the mismatch', async (_label, edit, reason, file) => {
    const err = await refusal(await copyPack(edit));
    expect(err.reason).toMatch(reason);
    expect(err.file.replaceAll('\\', '/')).toContain(file);
    expect(err.message).toContain(err.file);
  });

  it('refuses a manifest that is not valid JSON', async () => {
    const dir = await copyPack();
    await writeFile(join(dir, 'manifest.json'), '{ "format": "spire-pack", ');
    const err = await refusal(dir);
    expect(err.reason).toMatch(/is not valid JSON/);
    expect(err.file).toBe(join(dir, 'manifest.json'));
  });
});

describe('manifest defaults (the run settings a pack recommends)', () => {
  const COMPACT = { useRestorer: true, strength: 0.25, steps: 20, guidanceScale: 3, scheduler: 'ddim', colorFix: 'wavelet' };
  const withDefaults = (defaults: unknown, edit?: (m: Json) => void) =>
    copyPack((m) => {
      m.defaults = defaults;
      edit?.(m);
    });
  const noRestorer = (m: Json) => {
    m.hasRestorer = false;
    delete m.components.restorer;
  };
  const readRefusal = async (dir: string): Promise<PackRefusal> => {
    const err = await readManifest(dir).then(
      () => null,
      (e: unknown) => e,
    );
    return asPackRefusal(err);
  };

  it('reads them onto the typed manifest and reports them with the pack', async () => {
    const dir = await withDefaults({ ...COMPACT, eta: 0.5 });
    const m = await readManifest(dir);
    expect(m.spire?.defaults).toEqual({ ...COMPACT, eta: 0.5 });
    expect(packInfo(m)).toEqual({ name: 'tiny-random', dir, hasRestorer: true, hasEstimator: true, hasAdaptor: true, defaults: { ...COMPACT, eta: 0.5 } });
    // Restorer only: strength 0 with faithful mode.
    expect((await readManifest(await withDefaults({ useRestorer: true, strength: 0 }))).spire?.defaults).toEqual({ useRestorer: true, strength: 0 });
  });

  it('a pack without them reports none; a loose manifest says nothing about a restorer', async () => {
    const plain = await readManifest(await copyPack());
    expect(packInfo(plain)).toEqual({ name: 'tiny-random', dir: plain.dir, hasRestorer: true, hasEstimator: true, hasAdaptor: true });
    // An imported Stable Diffusion model has no adaptor (semantic refinement over the restorer).
    expect(packInfo({ ...plain, spire: { ...plain.spire!, adaptor: null } }).hasAdaptor).toBe(false);
    const loose = await copyPack();
    await writeFile(join(loose, 'manifest.json'), JSON.stringify({ name: 'loose', components: {} }));
    expect(packInfo(await readManifest(loose))).toEqual({ name: 'loose', dir: loose });
  });

  const bad: [string, unknown, ((m: Json) => void) | undefined, RegExp][] = [
    ['an unknown key, by name', { ...COMPACT, stepz: 30 }, undefined, /defaults: Unrecognized key: "stepz"/],
    ['steps out of range', { steps: 0 }, undefined, /defaults\.steps: /],
    ['steps not whole', { steps: 20.5 }, undefined, /defaults\.steps: /],
    ['steps over MAX_STEPS', { steps: 501 }, undefined, /defaults\.steps: .*500/],
    ['strength over 1', { strength: 1.5 }, undefined, /defaults\.strength: /],
    ['a guidance over 50', { guidanceScale: 51 }, undefined, /defaults\.guidanceScale: /],
    ['an unknown scheduler', { scheduler: 'euler' }, undefined, /defaults\.scheduler: /],
    ['an unknown colour fix', { colorFix: 'histogram' }, undefined, /defaults\.colorFix: /],
    ['a non-boolean useRestorer', { useRestorer: 'yes' }, undefined, /defaults\.useRestorer: /],
    ['eta over 1', { eta: 2 }, undefined, /defaults\.eta: /],
    ['defaults that are not an object', [20], undefined, /defaults: /],
    ['faithful mode in a pack without a restorer', { useRestorer: true }, noRestorer, /defaults\.useRestorer is true but hasRestorer is false/],
    ['strength 0 without faithful mode', { strength: 0 }, undefined, /defaults\.strength is 0 .* needs defaults\.useRestorer true/],
    ['strength 0 with faithful mode off', { strength: 0, useRestorer: false }, undefined, /needs defaults\.useRestorer true/],
  ];
  it.each(bad)('refuses %s', async (_label, defaults, edit, reason) => {
    const err = await readRefusal(await withDefaults(defaults, edit));
    expect(err.reason).toMatch(reason);
    expect(err.file.replaceAll('\\', '/')).toMatch(/manifest\.json$/);
  });
});

