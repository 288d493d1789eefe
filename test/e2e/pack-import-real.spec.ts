/**
 * "Import Stable Diffusion model…" with the real importer (main/import/importModel.ts): the tiny-sd15
 * fixture's graphs laid out as an optimum ONNX export (the import needs no Python then) are picked in
 * main's (fake) folder dialog, imported into the user data packs folder with progress, listed, loaded
 * by the real engine; the prompt panel then says the semantic and region prompts steer the result.
 */
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModel } from '../../main/import/importModel';
import { REPO } from './harness/build';
import { launchApp, type HarnessApp } from './harness/app';

const TINY_SD15 = join(REPO, 'test/fixtures/packs/tiny-sd15');

let app: HarnessApp;
let tmp: string;
let source: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-e2e-sd15-export-'));
  source = join(tmp, 'tiny-sd15-onnx');
  for (const part of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder', 'tokenizer', 'scheduler']) await cp(join(TINY_SD15, part), join(source, part), { recursive: true });
  await writeFile(join(source, 'model_index.json'), JSON.stringify({ _class_name: 'ORTStableDiffusionPipeline' }));
  await writeFile(join(source, 'unet', 'config.json'), JSON.stringify({ block_out_channels: [16, 32, 32], sample_size: 8 }));
  await writeFile(join(source, 'vae_decoder', 'config.json'), JSON.stringify({ block_out_channels: [8, 16, 16, 16], latent_channels: 4, scaling_factor: 0.18215 }));
  app = await launchApp({ importModel, viewport: { width: 1100, height: 820 } });
});
afterAll(async () => {
  await app?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);

describe('importing an ONNX export with the real importer', () => {
  it('imports, lists and loads the pack; the prompt panel says what a real prior does', async () => {
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('tiny-random');
    await testId('run-pack').selectOption('__import__');
    await testId('import-restorer').uncheck(); // the tiny model's own run, no restorer
    app.dialog.nextModel = source;
    await testId('import-choose-folder').click();

    await expect.poll(() => testId('pack-import').getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await testId('pack-import-message').textContent()).toMatch(/^Imported “.+”: it is in the model pack list\.$/);
    expect(await testId('error-banner').count()).toBe(0);
    expect(await readdir(app.userPacksDir)).toEqual(['tiny-sd15-onnx']); // no temporary folder left
    const dir = join(app.userPacksDir, 'tiny-sd15-onnx');
    await expect.poll(() => testId('run-pack').locator(`option[value="${dir}"]`).count()).toBe(1);

    await testId('pack-import-load').click();
    await expect.poll(() => testId('run-pack').inputValue()).toBe(dir);
    await expect.poll(() => app.engine.status().pack?.dir, { timeout: 60_000 }).toBe(dir);
    expect(app.engine.status().pack).toMatchObject({ hasAdaptor: false, hasRestorer: false });
    await expect.poll(() => testId('pack-import-load').count()).toBe(0); // loaded: nothing left to load
    await expect.poll(() => testId('pack-abilities').textContent()).toMatch(/is a Stable Diffusion model: the semantic prompt and the regions’ “what is here” steer the result above strength 0/);
    await testId('pack-abilities').scrollIntoViewIfNeeded();
    await app.screenshot('85-import-real-onnx-loaded');
    expect(app.pageErrors).toEqual([]);
  });
});
