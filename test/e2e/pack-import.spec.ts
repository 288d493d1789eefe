/**
 * "Import Stable Diffusion model…" through main's real handlers and ImportService: the pack menu
 * opens the import dialog; main's (fake) file or folder dialog picks the model; the (fake) importer
 * reports progress, which the run panel shows with a Cancel button. One import is cancelled (nothing
 * is left in the packs folder), another completes: the new pack is in the pack list, in the user data
 * packs folder, and loads. The prompt panel says what the loaded pack does with the prompts.
 *
 * The importer is harness/app.ts FakeImporter, so the steps can be held and cancelled; it writes a copy
 * of the tiny pack, so the engine really loads what was "imported". pack-import-real.spec.ts runs the
 * real importer (main/import) on an ONNX export.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './harness/build';
import { launchApp, type HarnessApp } from './harness/app';

let app: HarnessApp;
let models: string;

beforeAll(async () => {
  models = await mkdtemp(join(tmpdir(), 'spire-e2e-models-'));
  await writeFile(join(models, 'v1-5-pruned-emaonly.safetensors'), 'not really weights');
  await mkdir(join(models, 'stable-diffusion-v1-5'));
  app = await launchApp({ viewport: { width: 1100, height: 820 } });
});
afterAll(async () => {
  await app?.close();
  if (models) await rm(models, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const optionNames = () => testId('run-pack').locator('option').allTextContents();

async function openImportDialog(): Promise<void> {
  await testId('run-pack').selectOption('__import__');
  await testId('import-dialog').waitFor();
}

describe('importing a Stable Diffusion model from the pack menu', () => {
  it('the pack menu offers the import; the prompt panel says the embedded-style pack works through the restoration prompt', async () => {
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('tiny-random');
    expect(await optionNames()).toContain('Import Stable Diffusion model…');
    expect(await testId('pack-abilities').textContent()).toBe('“tiny-random”: the restoration prompt does the work; the semantic prompt changes little (this pack’s prior is small).');
    await openImportDialog();
    expect(await testId('import-restorer').isChecked()).toBe(true);
    expect(await testId('import-fp16').isChecked()).toBe(false);
    await app.screenshot('80-import-dialog');
  });

  it('shows the import’s progress with Cancel; cancelling leaves no pack', async () => {
    app.dialog.nextModel = join(models, 'v1-5-pruned-emaonly.safetensors');
    await testId('import-choose-file').click();
    expect(await testId('import-dialog').count()).toBe(0);
    await expect.poll(() => testId('pack-import-message').textContent()).toBe('Importing v1-5-pruned-emaonly.safetensors: Exporting the UNet to ONNX');
    expect(await testId('pack-import-progress').getAttribute('aria-valuenow')).toBe('40');
    expect(app.dialog.modelKinds).toEqual(['file']);
    // Main chose the destination (the user data packs folder) and the embedded pack's restorer.
    expect(app.importer.calls).toEqual([
      { source: join(models, 'v1-5-pruned-emaonly.safetensors'), outDir: join(app.userPacksDir, 'v1-5-pruned-emaonly'), fp16: false, restorerFrom: join(REPO, 'models/packs/spire-compact') },
    ]);
    // One at a time: the menu item is off while an import runs.
    expect(await testId('run-pack').locator('option[value="__import__"]').isDisabled()).toBe(true);
    await testId('pack-import').scrollIntoViewIfNeeded();
    await app.screenshot('81-import-progress');

    await testId('pack-import-cancel').click();
    await expect.poll(() => testId('pack-import').getAttribute('data-status')).toBe('cancelled');
    expect(await testId('pack-import-message').textContent()).toBe('The import was cancelled; no pack was written.');
    expect(await testId('error-banner').count()).toBe(0);
    expect(await readdir(app.userPacksDir)).toEqual([]);
    expect(await optionNames()).not.toContain('v1-5-pruned-emaonly');
    await testId('pack-import').scrollIntoViewIfNeeded();
    await app.screenshot('82-import-cancelled');
    await testId('pack-import-dismiss').click();
    expect(await testId('pack-import').count()).toBe(0);
  });

  it('a completed import is in the pack list, in the user data packs folder, and loads', async () => {
    await openImportDialog();
    await testId('import-fp16').check();
    await testId('import-restorer').uncheck();
    app.dialog.nextModel = join(models, 'stable-diffusion-v1-5');
    await testId('import-choose-folder').click();
    await expect.poll(() => testId('pack-import-message').textContent()).toBe('Importing stable-diffusion-v1-5: Exporting the UNet to ONNX');
    expect(app.dialog.modelKinds).toEqual(['file', 'folder']);
    expect(app.importer.calls[1]).toMatchObject({ outDir: join(app.userPacksDir, 'stable-diffusion-v1-5'), fp16: true, restorerFrom: null });
    app.importer.finish();

    await expect.poll(() => testId('pack-import').getAttribute('data-status')).toBe('done');
    expect(await testId('pack-import-message').textContent()).toBe('Imported “stable-diffusion-v1-5”: it is in the model pack list.');
    await expect.poll(optionNames).toContain('stable-diffusion-v1-5');
    const dir = join(app.userPacksDir, 'stable-diffusion-v1-5');
    expect(relative(models, dir).startsWith('..')).toBe(true); // never beside the user's model
    expect(await testId('run-pack').locator(`option[value="${dir}"]`).count()).toBe(1);
    await testId('pack-import').scrollIntoViewIfNeeded();
    await app.screenshot('83-import-done');

    await testId('pack-import-load').click();
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('stable-diffusion-v1-5');
    expect(await testId('run-pack').inputValue()).toBe(dir);
    expect(app.services.settings.get().packDir).toBe(dir);
    await expect.poll(() => testId('pack-import-load').count()).toBe(0);
  });

  it('the same model imported again gets a new name', async () => {
    await testId('pack-import-dismiss').click();
    await openImportDialog();
    await testId('import-choose-folder').click();
    await expect.poll(() => app.importer.calls.length).toBe(3);
    expect(app.importer.calls[2]!.outDir).toBe(join(app.userPacksDir, 'stable-diffusion-v1-5-2'));
    app.importer.finish();
    await expect.poll(optionNames).toContain('stable-diffusion-v1-5-2');
    expect((await readdir(app.userPacksDir)).sort()).toEqual(['stable-diffusion-v1-5', 'stable-diffusion-v1-5-2']);
  });

  it('left no page errors or CSP violations', async () => {
    expect(app.pageErrors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
