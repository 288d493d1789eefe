/**
 * The acceptance test, on the embedded default pack (models/packs/spire-compact) and its
 * trained degradation estimator: opening a noisy photo fills the restoration prompt with a Denoise
 * clause, marked estimated, and Run (at the pack's recommended settings) improves the photo by at
 * least 1 dB PSNR against the clean original. The photo: a 256x256 crop of Kodak24 kodim05 from
 * ../shared/datasets (as test/models/embeddedPack.test.ts), with Gaussian noise of sigma 0.08 on a
 * 0-1 scale added by the engine's own degrade (seeded). Screenshot: test-results/e2e/75-estimate-compact.png.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addGaussianNoise } from '../../main/engine/degrade/degrade';
import { Generator } from '../../main/engine/tensor/random';
import { REPO } from './harness/build';
import { launchApp, type HarnessApp } from './harness/app';
import { recordResults, recordedResults } from './harness/results';

const PACK = join(REPO, 'models', 'packs', 'spire-compact');
const KODAK = join(REPO, '..', 'shared', 'datasets', 'Kodak24', 'kodim05.png');
const SIDE = 256;
const NOISE_SIGMA = 0.08;

let app: HarnessApp;
let dir: string;
let noisyPath: string;
/** The clean crop and the noisy photo, 8-bit RGB. */
let clean: Uint8Array;
let noisy: Uint8Array;

/** PSNR in dB of two 8-bit images of the same size. */
function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

async function rgb8(bytes: Uint8Array | string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}


beforeAll(async () => {
  if (!existsSync(KODAK)) throw new Error(`${KODAK} is missing: this test needs ../shared/datasets beside the checkout.`);
  const manifest = JSON.parse(await readFile(join(PACK, 'manifest.json'), 'utf8')) as { estimator?: unknown };
  if (!manifest.estimator) throw new Error(`${PACK} has no degradation estimator (no "estimator" section in its manifest): the editor cannot fill the prompt from the photo.`);
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-compact-'));
  // 1. The clean crop, then the same with seeded Gaussian noise (the engine's degrade, on 0-1 floats).
  const crop = await sharp(KODAK).extract({ left: 256, top: 128, width: SIDE, height: SIDE }).removeAlpha().raw().toBuffer();
  clean = new Uint8Array(crop);
  const rgb = { width: SIDE, height: SIDE, data: Float32Array.from(clean, (v) => v / 255) };
  const degraded = addGaussianNoise(rgb, NOISE_SIGMA, new Generator(5));
  noisy = Uint8Array.from(degraded.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  noisyPath = join(dir, 'kodim05-noisy.png');
  await writeFile(noisyPath, await sharp(noisy, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer());
  // 2. The editor on the embedded pack, at its recommended settings (nothing saved: the pack's defaults apply).
  app = await launchApp({ engine: { packOverride: PACK }, viewport: { width: 1280, height: 860 } });
  await recordResults(app.page);
}, 180_000);
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);

describe('the embedded pack’s estimate, end to end', () => {
  it('opening a noisy photo fills the prompt with a Denoise clause, marked estimated', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 60_000 }).toBe('ready');
    app.dialog.next = noisyPath;
    await testId('open-image').click();
    await expect.poll(() => testId('estimate-mark').getAttribute('data-state'), { timeout: 30_000 }).toBe('estimated');
    const prompt = await testId('restoration-prompt').inputValue();
    const chips = await app.page.locator('[data-testid^="estimate-op-"]').allTextContents();
    console.log(`spire-compact, noise ${NOISE_SIGMA} on a kodim05 crop: estimated "${prompt}" (${chips.join(', ')})`);
    expect(prompt).toMatch(/Denoise with sigma 0\.\d\d;/);
    expect(await testId('op-toggle-noise').isChecked()).toBe(true);
    expect(await testId('estimate-op-noise').textContent()).toMatch(/^noise σ 0\.\d\d · \d+ %$/);
    await app.screenshot('75-estimate-compact');
  });

  it('Run improves it: at least 1 dB closer to the clean original', async () => {
    await testId('run-button').click();
    await expect.poll(() => app.page.locator('[data-testid^="history-item-"]').count(), { timeout: 120_000 }).toBe(1);
    expect(await testId('error-banner').count()).toBe(0);
    const [resultId] = await recordedResults(app.page);
    const kept = app.services.restoreService.result(resultId!);
    if (!kept) throw new Error('main did not keep the result');
    expect(kept.image.estimate?.restorationPrompt).toMatch(/Denoise with sigma/); // the run used the estimate unchanged
    const out = await rgb8(kept.image.bytes);
    expect([out.width, out.height]).toEqual([SIDE, SIDE]);
    const before = psnr(noisy, clean);
    const after = psnr(out.data, clean);
    console.log(`spire-compact, "${kept.image.restorationPrompt}" at the pack's settings: input ${before.toFixed(2)} dB -> ${after.toFixed(2)} dB`);
    expect(after).toBeGreaterThan(before + 1);
    expect(await testId('history-item-0').getAttribute('title')).toContain('(estimated from the photo)');
    expect(app.pageErrors).toEqual([]);
  });
});
