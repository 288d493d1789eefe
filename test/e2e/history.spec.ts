/**
 * History you can read, and comparing any two results, end to end on the tiny random-weights
 * pack: two runs with different prompts read differently (what was done, the time it took, the
 * seed only for the diffusion run), an entry is renamed (Enter keeps, Escape drops) and pinned,
 * entry 1 is compared with entry 2 side by side and with the wipe, and the layout holds: at Fit
 * each side-by-side pane shows the whole photo (its drawn rectangle, and the canvas pixels, inside
 * the pane) and the wipe's slider lies below the photo; the side by side of the two exports them.
 * Screenshots go to test-results/e2e/.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';
import { quadrants } from './harness/images';

let app: HarnessApp;
let dir: string;

const PHOTO = { width: 192, height: 128 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-history-'));
  await writeFile(join(dir, 'quad.png'), await quadrants(PHOTO.width, PHOTO.height));
  app = await launchApp({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const text = async (id: string) => ((await testId(id).textContent()) ?? '').trim();
const historyCount = () => app.page.locator('[data-testid^="history-item-"]').count();
/** The time the run took, then when it finished (`0.4 s · 12:04:31`, the restorer alone) or its seed (`1.2 s · seed 77`, diffusion). */
const META = /^\d+(\.\d)? s · (\d\d:\d\d:\d\d|seed \d+)$/;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A pane's box on the page and where it draws the photo (pane pixels, `data-image-rect`). */
async function paneGeometry(i: number): Promise<{ pane: Rect; image: Rect }> {
  const pane = testId(`compare-pane-${i}`);
  const box = (await pane.boundingBox())!;
  const [x, y, width, height] = ((await pane.getAttribute('data-image-rect')) ?? '').split(',').map(Number) as [number, number, number, number];
  return { pane: box, image: { x, y, width, height } };
}

/** Alpha of the pane's canvas at pane points (the Konva stage is transparent where nothing is drawn). */
async function alphaAt(i: number, points: { x: number; y: number }[]): Promise<number[]> {
  return app.page.evaluate(
    ({ i, points }) => {
      type Ctx = { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
      type CanvasLike = { width: number; getBoundingClientRect(): { width: number }; getContext(k: '2d'): Ctx | null };
      const doc = (globalThis as unknown as { document: { querySelector(s: string): CanvasLike | null } }).document;
      const canvas = doc.querySelector(`[data-testid="compare-pane-${i}"] canvas`)!;
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const ctx = canvas.getContext('2d')!;
      return points.map((p) => ctx.getImageData(Math.floor(p.x * ratio), Math.floor(p.y * ratio), 1, 1).data[3]!);
    },
    { i, points },
  );
}

describe('history you can read, and compare any two results', () => {
  it('opens a photo', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 20_000 }).toBe('ready');
    app.dialog.next = join(dir, 'quad.png');
    await testId('open-image').click();
    await expect.poll(() => testId('image-size').textContent()).toBe(`${PHOTO.width} × ${PHOTO.height}`);
    await expect.poll(() => testId('estimate-mark').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/^(estimated|clean)$/);
  });

  it('two runs with different prompts read differently, with their times; the seed only where it mattered', async () => {
    // 1: the restorer alone.
    await testId('restoration-prompt').fill('Denoise with sigma 0.08;');
    await testId('run-faithful').check();
    await testId('run-strength').fill('0');
    await testId('run-button').click();
    await expect.poll(historyCount, { timeout: 60_000 }).toBe(1);
    await expect.poll(() => testId('run-button').isEnabled()).toBe(true);
    expect(await text('history-label-0')).toBe('Denoise 0.08 · restorer only');
    const meta1 = await text('history-meta-0');
    expect(meta1).toMatch(META);
    expect(meta1).not.toContain('seed');

    // 2: diffusion from the restorer's output, with a semantic prompt.
    await testId('restoration-prompt').fill('Deblur with sigma 2.0;');
    await testId('semantic-prompt').fill('a red barn');
    await testId('run-steps').fill('4');
    await testId('run-steps').press('Enter');
    await testId('run-strength').fill('0.3');
    await testId('run-button').click();
    await expect.poll(historyCount, { timeout: 60_000 }).toBe(2);
    await expect.poll(() => testId('run-button').isEnabled()).toBe(true);
    expect(await text('history-label-0')).toBe('Deblur 2.0 · strength 0.3 · “a red barn”');
    expect(await text('history-label-1')).toBe('Denoise 0.08 · restorer only');
    const meta2 = await text('history-meta-0');
    expect(meta2).toMatch(META);
    expect(meta2).toMatch(new RegExp(`· seed ${await testId('run-seed').inputValue()}$`));
    expect(await testId('history-item-0').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => app.page.locator('[data-testid="history-strip"] img').count(), { timeout: 10_000 }).toBe(2);
    await app.screenshot('history-1-labels');
  });

  it('renames an entry inline: Enter keeps the name, Escape leaves it as it was', async () => {
    await testId('history-rename-1').click();
    await testId('history-name-1').fill('first try');
    await app.screenshot('history-4-rename');
    await testId('history-name-1').press('Enter');
    expect(await testId('history-name-1').count()).toBe(0);
    expect(await text('history-label-1')).toBe('first try');
    // Escape drops an edit; the name stays.
    await testId('history-label-1').dblclick();
    await testId('history-name-1').fill('something else');
    await testId('history-name-1').press('Escape');
    expect(await text('history-label-1')).toBe('first try');
    // Escape in the field neither cancelled anything nor closed the compare.
    expect(await testId('compare-view').count()).toBe(1);
    // The words are still there, in the label's tooltip.
    expect(await testId('history-label-1').getAttribute('title')).toContain('Denoise 0.08 · restorer only');
  });

  it('pins an entry: it comes first and keeps its name', async () => {
    await testId('history-pin-1').click();
    expect(await testId('history-pin-0').getAttribute('aria-pressed')).toBe('true');
    expect(await text('history-label-0')).toBe('first try');
    expect(await text('history-label-1')).toBe('Deblur 2.0 · strength 0.3 · “a red barn”');
    // The current result is still the diffusion run.
    expect(await testId('history-item-1').getAttribute('aria-pressed')).toBe('true');
  });

  it('compares entry 1 with entry 2 side by side, each whole photo in its pane at Fit', async () => {
    await testId('compare-mode-side').click();
    // Shift-click: the pinned run becomes the A side; the current one stays B.
    await testId('history-item-0').click({ modifiers: ['Shift'] });
    expect(await testId('compare-view').getAttribute('data-mode')).toBe('side');
    expect(await text('history-role-0')).toBe('A');
    expect(await text('history-role-1')).toBe('B');
    expect(await text('compare-label-0')).toBe('A first try');
    expect(await text('compare-label-1')).toBe('B Deblur 2.0 · strength 0.3 · “a red barn”');
    expect(await testId('history-original').getAttribute('aria-pressed')).toBe('false');

    await testId('zoom-fit').click();
    for (const i of [0, 1]) {
      const { pane, image } = await paneGeometry(i);
      // The photo's rectangle lies wholly inside the pane, keeps its aspect, and fills it on one axis (less the margin).
      expect(image.x).toBeGreaterThanOrEqual(0);
      expect(image.y).toBeGreaterThanOrEqual(0);
      expect(image.x + image.width).toBeLessThanOrEqual(pane.width + 0.5);
      expect(image.y + image.height).toBeLessThanOrEqual(pane.height + 0.5);
      expect(image.width / image.height).toBeCloseTo(PHOTO.width / PHOTO.height, 2);
      expect(Math.max(image.width / (pane.width - 32), image.height / (pane.height - 32))).toBeCloseTo(1, 2);
      // What the canvas drew agrees: every corner of the photo is painted, just outside it nothing is.
      const inset = 3;
      const corners = [
        { x: image.x + inset, y: image.y + inset },
        { x: image.x + image.width - inset, y: image.y + inset },
        { x: image.x + inset, y: image.y + image.height - inset },
        { x: image.x + image.width - inset, y: image.y + image.height - inset },
      ];
      expect(await alphaAt(i, corners)).toEqual([255, 255, 255, 255]);
      const outside = [
        { x: image.x - inset, y: image.y + image.height / 2 },
        { x: image.x + image.width + inset, y: image.y + image.height / 2 },
      ].filter((p) => p.x >= 0 && p.x < pane.width);
      expect(await alphaAt(i, outside)).toEqual(outside.map(() => 0));
    }
    await app.screenshot('history-2-compare-side-fit');

    // The zoom shown is the panes' own, and a zoom step carries on from it (no jump to the whole stage's fit).
    const fitted = await paneGeometry(1);
    expect(await text('zoom-level')).toBe(`${Math.round((fitted.image.width / PHOTO.width) * 100)}%`);
    await testId('zoom-in').click();
    const zoomed = await paneGeometry(1);
    expect(zoomed.image.width).toBeGreaterThan(fitted.image.width);
    expect(zoomed.image.width).toBeLessThan(fitted.image.width * 1.6);
  });

  it('compares them with the wipe, whose slider lies below the photo', async () => {
    await testId('zoom-fit').click();
    await testId('compare-mode-wipe').click();
    expect(await testId('compare-view').getAttribute('data-mode')).toBe('wipe');
    await testId('wipe-slider').fill('0.4');
    expect(Number(await testId('wipe-slider').inputValue())).toBeCloseTo(0.4, 5);
    expect(await text('compare-label-before')).toBe('A first try');
    expect(await text('compare-label-0')).toBe('B Deblur 2.0 · strength 0.3 · “a red barn”');

    const { pane, image } = await paneGeometry(0);
    expect(image.y).toBeGreaterThanOrEqual(0);
    expect(image.y + image.height).toBeLessThanOrEqual(pane.height + 0.5);
    const photoBottom = pane.y + image.y + image.height;
    const slider = (await testId('wipe-slider').boundingBox())!;
    const bar = (await testId('wipe-bar').boundingBox())!;
    expect(slider.y).toBeGreaterThanOrEqual(photoBottom);
    expect(bar.y).toBeGreaterThanOrEqual(pane.y + pane.height - 0.5);
    // The photo's bottom row is painted above the bar.
    expect(await alphaAt(0, [{ x: image.x + image.width / 2, y: image.y + image.height - 2 }])).toEqual([255]);
    await app.screenshot('history-3-compare-wipe');
  });

  it('the original goes back on the A side', async () => {
    await testId('history-original').click();
    expect(await testId('history-original').getAttribute('aria-pressed')).toBe('true');
    expect(await text('compare-label-before')).toBe('A Original');
    expect(await testId('history-role-0').count()).toBe(0);
    // The ⇆ action picks an entry as A as well.
    await testId('history-compare-0').click();
    expect(await text('compare-label-before')).toBe('A first try');
    expect(await testId('history-compare-1').isDisabled()).toBe(true); // the result on screen cannot be its own A

    // Exporting the side by side exports the same two results, the A side's prompt in the metadata.
    await testId('export-open').click();
    await testId('export-kind').selectOption('side-by-side');
    await testId('export-format').selectOption('png');
    const out = join(dir, 'pair.png');
    app.dialog.nextSave = out;
    await testId('export-save').click();
    await expect.poll(async () => (await testId('export-saved').count()) + (await testId('error-banner').count()), { timeout: 30_000 }).toBe(1);
    expect(await testId('error-banner').count()).toBe(0);
    const written = await readFile(out, 'latin1');
    expect(written).toContain('spire:before-restoration-prompt');
    expect(written).toContain('Denoise with sigma 0.08;');
    await app.page.keyboard.press('Escape');
    expect(app.pageErrors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
