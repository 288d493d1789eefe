/**
 * The run workspace end to end, on the real engine with the tiny random-weights pack
 * (its output looks like noise; what matters is that it flows through): set a
 * restoration prompt with the controls and as text, run with progress and a result,
 * cancel a run, compare (side by side, wipe, flip key), sweep three values, export
 * every kind through main's save path. Screenshots go to test-results/e2e/.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';
import { quadrants } from './harness/images';

let app: HarnessApp;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-run-'));
  await writeFile(join(dir, 'quad.png'), await quadrants(96, 64));
  app = await launchApp({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const promptText = () => testId('restoration-prompt').inputValue();
const historyCount = () => app.page.locator('[data-testid^="history-item-"]').count();

describe('editor: prompt, run, compare, sweep, export', () => {
  it('opens a photo and the engine is ready', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 20_000 }).toBe('ready');
    app.dialog.next = join(dir, 'quad.png');
    await testId('open-image').click();
    await expect.poll(() => testId('image-size').textContent()).toBe('96 × 64');
    // The prompt is filled from the photo (the pack's random estimator: an arbitrary estimate; prompt-estimate.spec.ts
    // checks it). The builder walk below starts from the blind preset, the builder and the field agreeing.
    await expect.poll(() => testId('estimate-mark').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/^(estimated|clean)$/);
    await testId('preset-blind').check();
    expect(await promptText()).toBe('Remove all degradation');
    expect(await testId('history-strip').isVisible()).toBe(true);
    // Run settings start from main's defaults; the pack list shows the loaded pack.
    expect(await testId('run-steps').inputValue()).toBe('50');
    await expect.poll(() => testId('run-pack').locator('option:checked').textContent()).toBe('tiny-random');
    await testId('run-provider').scrollIntoViewIfNeeded();
    await app.screenshot('29-run-settings');
  });

  it('builds a restoration prompt with the controls', async () => {
    await testId('op-toggle-blur').check();
    expect(await testId('preset-blind').isChecked()).toBe(false);
    expect(await promptText()).toMatch(/^Deblur with sigma \d\.\d;$/); // the slider kept its value (the estimate's)
    await testId('op-value-blur').fill('2.3');
    expect(await promptText()).toBe('Deblur with sigma 2.3;');
    await testId('op-toggle-jpeg').check();
    await testId('op-value-jpeg').fill('40');
    expect(await promptText()).toBe('Deblur with sigma 2.3; Dejpeg with quality 40;');
    await testId('op-number-blur').uncheck();
    expect(await promptText()).toBe('Deblur; Dejpeg with quality 40;');
    await testId('preset-blind').check();
    expect(await promptText()).toBe('Remove all degradation');
    expect(await testId('op-toggle-jpeg').isChecked()).toBe(false);
  });

  it('reads a typed prompt back into the controls and flags an invalid one', async () => {
    await testId('restoration-prompt').fill('upsample to 2x;  denoise with sigma 0.08');
    expect(await testId('op-toggle-downsample').isChecked()).toBe(true);
    expect(await testId('op-value-downsample').inputValue()).toBe('2');
    expect(await testId('op-toggle-noise').isChecked()).toBe(true);
    expect(await testId('op-value-noise').inputValue()).toBe('0.08');
    expect(await testId('preset-blind').isChecked()).toBe(false);
    expect(await testId('restoration-prompt-error').count()).toBe(0);

    await testId('restoration-prompt').fill('Deblur with sigma 9.0;');
    await expect.poll(() => testId('restoration-prompt-error').textContent()).toContain('out of range: allowed 0.2 to 3.0');
    expect(await testId('run-button').isDisabled()).toBe(true);
    await app.screenshot('30-prompt-invalid');

    await testId('restoration-prompt').fill('deblur with sigma 1.5; dejpeg with quality 50');
    expect(await testId('restoration-prompt-error').count()).toBe(0);
    expect(await testId('op-value-blur').inputValue()).toBe('1.5');
    // Leaving the field writes the canonical form.
    await testId('semantic-prompt').click();
    expect(await promptText()).toBe('Deblur with sigma 1.5; Dejpeg with quality 50;');
    await testId('semantic-prompt').fill('a harbour with boats');
  });

  it('runs with a locked seed and shows the result in the history', async () => {
    // A region (the whole photo, by inverting its empty mask) with its own prompt goes with the run.
    await testId('region-add').click();
    await testId('mask-invert').click();
    await testId('region-prompt-0').fill('boats on the water');
    await testId('run-steps').fill('4');
    await testId('run-steps').press('Enter');
    await testId('run-seed').fill('1234');
    await testId('run-seed-lock').check();
    await testId('run-color-fix').selectOption('adain');
    await testId('run-button').click();
    await expect.poll(historyCount, { timeout: 60_000 }).toBe(1);
    await expect.poll(() => testId('run-button').isEnabled()).toBe(true);
    expect(await testId('cancel-button').count()).toBe(0);
    // The result is current and shown.
    expect(await testId('compare-view').isVisible()).toBe(true);
    expect(await testId('history-item-0').getAttribute('aria-pressed')).toBe('true');
    const title = (await testId('history-item-0').getAttribute('title')) ?? '';
    expect(title).toContain('Deblur with sigma 1.5; Dejpeg with quality 50;');
    expect(title).toContain('a harbour with boats');
    expect(title).toContain('seed 1234');
    expect(title).toContain('regions: boats on the water');
    expect(await testId('run-seed').inputValue()).toBe('1234');
    await expect.poll(() => app.page.locator('[data-testid="history-item-0"] img').count(), { timeout: 10_000 }).toBe(1);
    await app.screenshot('31-run-result');
  });

  it('shows progress with a live preview and an ETA, and Cancel stops the run', async () => {
    await testId('run-seed-lock').uncheck();
    await testId('run-steps').fill('200');
    await testId('run-steps').press('Enter');
    await testId('run-button').click();
    await expect.poll(async () => Number(await testId('progress-bar').getAttribute('data-step')), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(await testId('progress-bar').getAttribute('data-total')).toBe('200');
    await expect.poll(() => app.page.locator('img[data-testid="progress-preview"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await testId('progress-eta').textContent()).toMatch(/left|estimating/);
    // The seed was drawn anew (unlocked) and is shown.
    expect(await testId('run-seed').inputValue()).not.toBe('1234');
    await app.screenshot('32-run-progress');

    const progressEvents = () => app.events.filter((e) => e === 'spire:restore:progress').length;
    const atCancel = progressEvents();
    await testId('cancel-button').click();
    await expect.poll(() => testId('cancel-button').count(), { timeout: 10_000 }).toBe(0);
    // Stopped within a step: at most the step already under way (and one in flight) reported after the click.
    expect(progressEvents() - atCancel).toBeLessThanOrEqual(2);
    expect(app.events.filter((e) => e === 'spire:restore:done').length).toBe(2);
    expect(await testId('progress-bar').count()).toBe(0);
    expect(await historyCount()).toBe(1);
    // A cancel is not an error.
    expect(await testId('error-banner').count()).toBe(0);
    await testId('run-steps').fill('4');
    await testId('run-steps').press('Enter');
  });

  it('compares side by side and with a wipe, and the flip key shows the original', async () => {
    await testId('compare-mode-side').click();
    expect(await testId('compare-view').getAttribute('data-mode')).toBe('side');
    expect(await app.page.locator('.compare-pane').count()).toBe(2);
    const zoomBefore = await testId('zoom-level').textContent();
    await testId('zoom-in').click();
    await expect.poll(() => testId('zoom-level').textContent()).not.toBe(zoomBefore);
    await app.screenshot('33-compare-side');

    await testId('compare-mode-wipe').click();
    expect(await testId('compare-view').getAttribute('data-mode')).toBe('wipe');
    await testId('wipe-slider').fill('0.3');
    expect(Number(await testId('wipe-slider').inputValue())).toBeCloseTo(0.3, 5);
    await testId('zoom-fit').click();
    await app.screenshot('34-compare-wipe');

    await testId('compare-view').hover();
    await app.page.keyboard.down('\\');
    await expect.poll(() => testId('compare-view').getAttribute('data-flipped')).toBe('true');
    await app.page.keyboard.up('\\');
    await expect.poll(() => testId('compare-view').getAttribute('data-flipped')).toBe('false');

    await testId('compare-toggle').click();
    expect(await testId('compare-view').count()).toBe(0);
    await app.page.keyboard.press('c');
    expect(await testId('compare-view').count()).toBe(1);
  });

  it('sweeps one parameter over three values and makes a cell current', async () => {
    await testId('sweep-open').click();
    // The prompt has Deblur and Dejpeg: the sweep opens on a grid of both; one row of blur here.
    expect([await testId('sweep-param').inputValue(), await testId('sweep-param-2').inputValue()]).toEqual(['blur', 'jpeg']);
    await testId('sweep-param-2').selectOption('');
    await testId('sweep-values').fill('0.5, 1.5, 2.5');
    await testId('sweep-run').click();
    await expect.poll(() => testId('sweep-grid').getAttribute('data-status'), { timeout: 120_000 }).toBe('done');
    for (const i of [0, 1, 2]) expect(await testId(`sweep-cell-${i}`).getAttribute('data-done')).toBe('true');
    expect(await testId('sweep-cell-3').count()).toBe(0);
    expect(await testId('sweep-cell-1').getAttribute('title')).toContain('Deblur with sigma 1.5; Dejpeg with quality 50;');
    expect(await testId('sweep-cell-2').getAttribute('title')).toContain('Deblur with sigma 2.5;');
    await expect.poll(() => app.page.locator('[data-testid="sweep-grid"] img').count(), { timeout: 10_000 }).toBe(3);
    await app.screenshot('35-sweep-grid');
    await testId('sweep-cell-2').click();
    expect(await testId('sweep-grid').count()).toBe(0); // the dialog closed on the pick
    expect(await testId('compare-view').getAttribute('data-mode')).toBe('side');
    expect(await historyCount()).toBe(4);
    const current = app.page.locator('[data-testid^="history-item-"][aria-pressed="true"]');
    expect(await current.getAttribute('title')).toContain('Deblur with sigma 2.5;');
  });

  it('pins and deletes history entries', async () => {
    await testId('history-pin-3').click();
    // Pinned entries come first.
    expect(await testId('history-pin-0').getAttribute('aria-pressed')).toBe('true');
    await testId('history-delete-1').click();
    await expect.poll(historyCount).toBe(3);
    await app.screenshot('36-history');
  });

  it('exports each kind through the save dialog', async () => {
    const magic: Record<string, (b: Buffer) => boolean> = {
      png: (b) => b.subarray(1, 4).toString('latin1') === 'PNG',
      jpeg: (b) => b[0] === 0xff && b[1] === 0xd8,
      webp: (b) => b.subarray(8, 12).toString('latin1') === 'WEBP',
      tiff: (b) => ['II*\0', 'MM\0*'].includes(b.subarray(0, 4).toString('latin1')),
    };
    const cases = [
      { kind: 'result', format: 'png' },
      { kind: 'side-by-side', format: 'jpeg' },
      { kind: 'wipe', format: 'webp' },
      { kind: 'sweep-grid', format: 'tiff' },
    ] as const;
    for (const c of cases) {
      await testId('export-open').click();
      await testId('export-kind').selectOption(c.kind);
      await testId('export-format').selectOption(c.format);
      if (c.format === 'jpeg' || c.format === 'webp') await testId('export-quality').fill('80');
      const out = join(dir, `${c.kind}.${c.format === 'jpeg' ? 'jpg' : c.format}`);
      app.dialog.nextSave = out;
      await testId('export-save').click();
      await expect.poll(async () => (await testId('export-saved').count()) + (await testId('error-banner').count()), { timeout: 30_000 }).toBe(1);
      expect(await testId('error-banner').count(), (await testId('error-banner').allTextContents()).join()).toBe(0);
      const bytes = await readFile(out);
      expect(magic[c.format]!(bytes), `${c.kind} as ${c.format}`).toBe(true);
      const meta = await sharp(bytes).metadata();
      expect(meta.width).toBeGreaterThan(0);
      if (c.kind === 'result') await app.screenshot('37-export-dialog');
      await app.page.keyboard.press('Escape');
      expect(await testId('export-dialog').count()).toBe(0);
    }
    expect((await stat(join(dir, 'sweep-grid.tiff'))).size).toBeGreaterThan(0);
    expect(app.pageErrors).toEqual([]);
  });

  it('lists the shortcuts in the help panel', async () => {
    await app.page.keyboard.press('?');
    expect(await testId('help-panel').isVisible()).toBe(true);
    const text = (await testId('help-panel').textContent()) ?? '';
    expect(text).toContain('Hold to see the original');
    expect(text).toContain('Run the restoration');
    await app.screenshot('38-help');
    await app.page.keyboard.press('Escape');
    expect(await testId('help-panel').count()).toBe(0);
    expect(await app.cspViolations()).toEqual([]);
  });
});
