import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpireError } from '../../../../common/errors';
import { importModel, type ImportProgress } from '../../../../main/import/importModel';
import { openSession } from '../../../../main/engine/onnx/runtime';
import { loadPack } from '../../../../main/engine/packLoader';
import { readManifest } from '../../../../main/engine/packs';
import { OnnxSpireModels } from '../../../../main/engine/pipeline/models';
import { EXPORT_GRAPHS, TINY_RANDOM, writeFakeExport } from './fakeExport';

const root = await mkdtemp(join(tmpdir(), 'spire-import-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
/** A fresh folder holding the source and, beside it, where the pack goes. */
async function workspace(): Promise<{ dir: string; out: string }> {
  const dir = join(root, `w${n++}`);
  await mkdir(dir);
  return { dir, out: join(dir, 'packs', 'imported') };
}

async function failure(p: Promise<unknown>): Promise<SpireError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpireError);
  return err as SpireError;
}

describe('importModel: an ONNX export in the optimum layout', () => {
  it('writes a pack that validates, maps the graphs to the manifest and loads in onnxruntime', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'));
    const progress: ImportProgress[] = [];
    const result = await importModel({ source, outDir: out }, { onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ packDir: out, name: 'imported' });

    const manifest = await readManifest(out);
    const spec = manifest.spire!;
    expect(spec.adaptor).toBeNull();
    expect(spec.hasRestorer).toBe(false);
    expect(spec.latent).toEqual({ channels: 4, scaleFactor: 0.5, downsamplingFactor: 4 });
    expect(spec.sizeMultiple).toBe(8); // f 4 x 2^(2 UNet levels - 1)
    expect(spec.nativeResolution).toBe(32); // sample_size 8 x f 4
    expect(spec.tokenizer.maxLength).toBe(16);
    expect(spec.textEncoder).toEqual({ hiddenSize: 32, sharedForRestorationPrompt: true });
    expect(spec.defaults).toEqual({ steps: 20, strength: 0.3, guidanceScale: 7.5, scheduler: 'dpmpp-2m' });
    expect(spec.scheduler.config).toMatchObject({ _class_name: 'DDIMScheduler', beta_schedule: 'scaled_linear', steps_offset: 1, prediction_type: 'epsilon', clip_sample: false });
    expect(spec.scheduler.config).not.toHaveProperty('skip_prk_steps');
    expect(spec.components.text_encoder!.inputs).toEqual([{ name: 'input_ids', dtype: 'int32', shape: ['batch', 16] }]);
    expect(spec.components.text_encoder!.outputs.map((o) => o.name)).toEqual(['last_hidden_state', 'pooler_output']);
    expect(spec.components.unet!.inputs).toEqual([
      { name: 'sample', dtype: 'float32', shape: ['batch', 4, 'height/4', 'width/4'] },
      { name: 'timestep', dtype: 'int64', shape: ['batch'] },
      { name: 'encoder_hidden_states', dtype: 'float32', shape: ['batch', 16, 32] },
    ]);
    expect(spec.components.vae_encoder!.outputs).toEqual([{ name: 'latent_parameters', dtype: 'float32', shape: ['batch', 8, 'height/4', 'width/4'] }]);
    expect(spec.components.vae_decoder!.inputs[0]!.name).toBe('latent_sample');

    const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain(source);
    expect(card).toMatch(/`unet\/model\.onnx` \| `[0-9a-f]{64}`/);
    expect(await readdir(join(out, 'tokenizer'))).toEqual(expect.arrayContaining(['vocab.json', 'merges.txt', 'tokenizer_config.json']));
    // Nothing left beside the pack; progress went from check to done.
    expect(await readdir(join(dir, 'packs'))).toEqual(['imported']);
    expect(progress[0]!.stage).toBe('check');
    expect(progress.at(-1)).toMatchObject({ stage: 'done', fraction: 1 });
    expect(progress.some((p) => p.stage === 'copy')).toBe(true);

    // The engine opens it: every session agrees with its manifest entry, the models build.
    const pack = await loadPack(manifest, { providers: ['cpu'], threads: 1, openSession });
    try {
      const models = await OnnxSpireModels.fromPack(pack);
      expect(models.config.fusion).toBeNull();
      expect(models.tokenize(['a photo'])[0]).toHaveLength(16);
    } finally {
      await Promise.all([...pack.sessions.values()].map((s) => s.release()));
    }
  });

  it('copies a graph\'s external weights file and names it in the manifest', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'), { externalData: true });
    await importModel({ source, outDir: out });
    const spec = (await readManifest(out)).spire!;
    expect(spec.components.unet!.externalData).toBe('unet/model.onnx_data');
    expect(await readdir(join(out, 'unet'))).toEqual(['model.onnx', 'model.onnx_data']);
  });

  it('--restorer-from copies the restorer, the estimator and the text encoder they read', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'));
    await importModel({ source, outDir: out, restorerFrom: TINY_RANDOM });
    const spec = (await readManifest(out)).spire!;
    expect(spec.hasRestorer).toBe(true);
    expect(spec.defaults).toEqual({ steps: 20, strength: 0.3, guidanceScale: 7.5, scheduler: 'dpmpp-2m', useRestorer: true });
    expect(spec.textEncoder.sharedForRestorationPrompt).toBe(false);
    expect(spec.restorationTextEncoder).toMatchObject({ hiddenSize: 32, tokenizer: { maxLength: 16, files: { vocab: 'restoration_tokenizer/vocab.json' } } });
    expect(Object.keys(spec.components).sort()).toEqual(['estimator', 'restoration_text_encoder', 'restorer', 'text_encoder', 'unet', 'vae_decoder', 'vae_encoder']);
    expect(spec.components.restorer!.file).toBe('restorer/model.onnx');
    expect(spec.estimator).toBeDefined();
    const pack = await loadPack(await readManifest(out), { providers: ['cpu'], threads: 1, openSession });
    try {
      const models = await OnnxSpireModels.fromPack(pack);
      expect(models.config).toMatchObject({ hasRestorer: true, separateRestorationEncoder: true, fusion: null });
      const c = await models.restorationTextEncoder(models.tokenizeRestoration(['Deblur with sigma 2.0;']));
      expect(c.dims).toEqual([1, 16, 32]);
    } finally {
      await Promise.all([...pack.sessions.values()].map((s) => s.release()));
    }
  });

  it('refuses --restorer-from a pack without a restorer before writing', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'));
    const err = await failure(importModel({ source, outDir: out, restorerFrom: source }));
    expect(err.code).toBe('import-unsupported');
    expect(await readdir(dir)).toEqual(['sd-onnx']);
  });
});

const unetWith = (inputs: (typeof EXPORT_GRAPHS)['unet']['inputs'], outChannels = 4) => ({
  inputs,
  outputs: [{ name: 'out_sample', elemType: 1, dims: ['batch_size', outChannels, 'height', 'width'] as (number | string)[] }],
});

describe('importModel: refusals write nothing', () => {
  const cases: [string, Parameters<typeof writeFakeExport>[1], RegExp][] = [
    ['SDXL by its class', { modelIndex: { _class_name: 'ORTStableDiffusionXLPipeline' } }, /Stable Diffusion XL/],
    ['SDXL by its second text encoder', { folders: ['text_encoder_2'] }, /Stable Diffusion XL/],
    ['SD 3', { modelIndex: { _class_name: 'StableDiffusion3Pipeline' } }, /Stable Diffusion 3/],
    ['Flux', { modelIndex: { _class_name: 'FluxPipeline' } }, /Flux/],
    [
      'a UNet with SDXL conditioning inputs',
      { graphs: { unet: unetWith([...EXPORT_GRAPHS.unet.inputs, { name: 'text_embeds', elemType: 1, dims: ['batch_size', 1280] }, { name: 'time_ids', elemType: 1, dims: ['batch_size', 6] }]) } },
      /text_embeds, time_ids.*Stable Diffusion XL/,
    ],
    [
      'an inpainting UNet (9 input channels)',
      { graphs: { unet: unetWith([{ name: 'sample', elemType: 1, dims: ['batch_size', 9, 'height', 'width'] }, ...EXPORT_GRAPHS.unet.inputs.slice(1)]) } },
      /9 input channels for a 4-channel latent/,
    ],
    [
      'a text encoder of another width than the UNet attends to',
      {
        graphs: {
          text_encoder: {
            inputs: EXPORT_GRAPHS.text_encoder.inputs,
            outputs: [{ name: 'last_hidden_state', elemType: 1, dims: ['batch_size', 'sequence_length', 1024] }],
          },
        },
      },
      /1024-wide embeddings but the UNet attends to 32-wide/,
    ],
    [
      'a text encoder with extra inputs',
      { graphs: { text_encoder: { inputs: [...EXPORT_GRAPHS.text_encoder.inputs, { name: 'attention_mask', elemType: 7, dims: ['batch_size', 'sequence_length'] }], outputs: EXPORT_GRAPHS.text_encoder.outputs } } },
      /CLIP text encoder taking input_ids/,
    ],
    [
      'a UNet exported with a fixed batch of 1',
      { graphs: { unet: unetWith([{ name: 'sample', elemType: 1, dims: [1, 4, 'height', 'width'] }, ...EXPORT_GRAPHS.unet.inputs.slice(1)]) } },
      /fixed size 1 in dim 0.*dynamic axes/,
    ],
    ['a scheduler with trained betas', { scheduler: { beta_schedule: 'linear', trained_betas: [0.1, 0.2] } }, /trained_betas/],
  ];

  it.each(cases)('%s', async (_name, options, message) => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'), options);
    const err = await failure(importModel({ source, outDir: out }));
    expect(err.code).toBe('import-unsupported');
    expect(err.message).toMatch(message);
    expect(await readdir(dir)).toEqual(['sd-onnx']); // not even the output's parent folder
  });

  it('refuses a missing source, a file that is not a checkpoint and a folder without model_index.json', async () => {
    const { dir, out } = await workspace();
    await writeFile(join(dir, 'notes.txt'), 'hi');
    for (const source of [join(dir, 'nope'), join(dir, 'notes.txt'), dir + '/']) {
      expect((await failure(importModel({ source: source === dir + '/' ? join(dir) : source, outDir: join(root, 'elsewhere', 'x') }))).code).toBe('import-unsupported');
    }
    void out;
  });

  it('refuses --fp16 for an ONNX export (it is imported as it is)', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'));
    const err = await failure(importModel({ source, outDir: out, fp16: true }));
    expect(err.code).toBe('import-unsupported');
    expect(err.message).toMatch(/--fp16/);
    expect(await readdir(dir)).toEqual(['sd-onnx']);
  });
});

describe('importModel: the output', () => {
  it('refuses an existing output without force and replaces it with force', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'));
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'old.txt'), 'old');
    expect((await failure(importModel({ source, outDir: out }))).code).toBe('output-exists');
    expect(await readdir(out)).toEqual(['old.txt']);
    await importModel({ source, outDir: out, force: true });
    expect(await readdir(out)).not.toContain('old.txt');
    expect(await readdir(join(dir, 'packs'))).toEqual(['imported']);
  });

  it('takes an empty output folder', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'));
    await mkdir(out, { recursive: true });
    await importModel({ source, outDir: out });
    expect(await readdir(out)).toContain('manifest.json');
  });

  it('an abort while copying leaves nothing behind', async () => {
    const { dir, out } = await workspace();
    const source = await writeFakeExport(join(dir, 'sd-onnx'));
    const controller = new AbortController();
    const onProgress = (p: ImportProgress): void => {
      if (p.stage === 'copy' && p.message.includes('unet')) controller.abort();
    };
    const err = await failure(importModel({ source, outDir: out }, { onProgress, signal: controller.signal }));
    expect(err.code).toBe('cancelled');
    expect(await readdir(join(dir, 'packs'))).toEqual([]);
  });
});

/** A stand-in for `python -m spire.import_sd`: progress lines, then the given exit. */
async function fakePython(dir: string, mode: 'ok' | 'refuse' | 'fail' | 'hang'): Promise<string> {
  const path = join(dir, `python-${mode}.mjs`);
  await writeFile(
    path,
    `#!/usr/bin/env node
import { cpSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const out = args[args.indexOf('-o') + 1];
writeFileSync(${JSON.stringify(join(dir, `args-${mode}.json`))}, JSON.stringify({ args, cwd: process.cwd() }));
console.log(JSON.stringify({ stage: 'load', fraction: 0.5, message: 'reading the checkpoint' }));
console.log('a stray print');
const mode = ${JSON.stringify(mode)};
if (mode === 'hang') setTimeout(() => {}, 60000);
else if (mode === 'refuse') { process.stderr.write('import-unsupported: This is a Stable Diffusion XL checkpoint.\\n'); process.exit(2); }
else if (mode === 'fail') { cpSync(${JSON.stringify(TINY_RANDOM)}, out, { recursive: true }); process.stderr.write('Traceback...\\nimport-failed: out of disk space\\n'); process.exit(1); }
else { cpSync(${JSON.stringify(TINY_RANDOM)}, out, { recursive: true }); console.log(JSON.stringify({ stage: 'export', fraction: 1, message: 'done' })); }
`,
  );
  await chmod(path, 0o755);
  return path;
}

describe('importModel: the Python importer', () => {
  it('runs it for a checkpoint, relays its progress, validates and renames its pack', async () => {
    const { dir, out } = await workspace();
    const ckpt = join(dir, 'model.safetensors');
    await writeFile(ckpt, new Uint8Array(8));
    const python = await fakePython(dir, 'ok');
    const progress: ImportProgress[] = [];
    const result = await importModel({ source: ckpt, outDir: out, fp16: true, python, restorerFrom: TINY_RANDOM }, { onProgress: (p) => progress.push(p) });
    expect(result.packDir).toBe(out);
    expect((await readManifest(out)).spire).not.toBeNull();
    const { args, cwd } = JSON.parse(await readFile(join(dir, 'args-ok.json'), 'utf8')) as { args: string[]; cwd: string };
    expect(args.slice(0, 3)).toEqual(['-m', 'spire.import_sd', ckpt]);
    expect(args).toEqual(expect.arrayContaining(['-o', '--fp16', '--progress', 'json']));
    expect(args[args.indexOf('--restorer-from') + 1]).toBe(TINY_RANDOM); // the importer copies the restorer itself
    expect(args[args.indexOf('-o') + 1]).toMatch(/\/\.imported\.import-[^/]+\/imported$/); // a temporary folder beside the output
    expect(cwd).toMatch(/\/models$/);
    expect(progress).toContainEqual({ stage: 'load', fraction: 0.5, message: 'reading the checkpoint' });
    expect(await readdir(join(dir, 'packs'))).toEqual(['imported']);
  });

  it('turns exit 2 into import-unsupported and exit 1 into import-failed, with their message, leaving nothing', async () => {
    const { dir, out } = await workspace();
    const ckpt = join(dir, 'model.ckpt');
    await writeFile(ckpt, new Uint8Array(8));
    const refused = await failure(importModel({ source: ckpt, outDir: out, python: await fakePython(dir, 'refuse') }));
    expect(refused.code).toBe('import-unsupported');
    expect(refused.message).toBe('This is a Stable Diffusion XL checkpoint.');
    const failed = await failure(importModel({ source: ckpt, outDir: out, python: await fakePython(dir, 'fail') }));
    expect(failed.code).toBe('import-failed');
    expect(failed.message).toMatch(/exit 1.*out of disk space/);
    expect(await readdir(join(dir, 'packs'))).toEqual([]);
  });

  it('an abort kills it and leaves nothing', async () => {
    const { dir, out } = await workspace();
    const ckpt = join(dir, 'model.ckpt');
    await writeFile(ckpt, new Uint8Array(8));
    const controller = new AbortController();
    const err = await failure(
      importModel({ source: ckpt, outDir: out, python: await fakePython(dir, 'hang') }, { signal: controller.signal, onProgress: (p) => p.stage === 'load' && controller.abort() }),
    );
    expect(err.code).toBe('cancelled');
    expect(await readdir(join(dir, 'packs'))).toEqual([]);
  });

  it('says how to fix a Python that does not start', async () => {
    const { dir, out } = await workspace();
    const ckpt = join(dir, 'model.ckpt');
    await writeFile(ckpt, new Uint8Array(8));
    const err = await failure(importModel({ source: ckpt, outDir: out, python: join(dir, 'no-such-python') }));
    expect(err.code).toBe('import-failed');
    expect(err.message).toMatch(/SPIRE_PYTHON/);
  });
});
