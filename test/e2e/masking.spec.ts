/**
 * Masking as a user does it: open a photo, add a region, paint a stroke, name it and
 * give it a prompt, read the overlay's pixels off the canvas, undo/redo (buttons and
 * keys), hide/show, a second region drawn with the rectangle, reorder, delete.
 * Screenshots go to test-results/e2e/masking-*.png.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';
import { writeImageFiles, type ImageFiles } from './harness/images';

let app: HarnessApp;
let files: ImageFiles;

beforeAll(async () => {
  files = await writeImageFiles();
  app = await launchApp({ viewport: { width: 1400, height: 900 } });
});
afterAll(async () => {
  await app?.close();
  if (files) await rm(files.dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const IMAGE = { width: 481, height: 321 };

const REGION1 = [0xff, 0x5a, 0x5a]; // REGION_COLOURS[0]
const REGION2 = [0x4c, 0xc9, 0xf0]; // REGION_COLOURS[1]

interface OverlayCount {
  /** Sampled pixels of this colour at (about) the overlay's full opacity: fully covered. */
  full: number;
  /** Of this colour, partly transparent: a soft or feathered edge. */
  soft: number;
}

/**
 * Reads the mask layer: Konva draws each layer on its own canvas, so the overlay's
 * pixels are the region's colour with alpha = coverage x OVERLAY_OPACITY (0.5).
 */
async function overlay(colour: readonly number[]): Promise<OverlayCount> {
  return app.page.evaluate((c) => {
    interface Ctx { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }
    interface CanvasLike { width: number; height: number; getContext(k: '2d'): Ctx | null }
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<CanvasLike> } }).document;
    const out = { full: 0, soft: 0 };
    for (const canvas of Array.from(doc.querySelectorAll('[data-testid="canvas-stage"] canvas'))) {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 16) {
        const a = data[i + 3]!;
        if (a === 0 || a > 140) continue;
        if (Math.abs(data[i]! - c[0]!) > 12 || Math.abs(data[i + 1]! - c[1]!) > 12 || Math.abs(data[i + 2]! - c[2]!) > 12) continue;
        if (a >= 120) out.full += 1;
        else if (a >= 8) out.soft += 1;
      }
    }
    return out;
  }, colour as number[]);
}

const painted1 = async () => (await overlay(REGION1)).full;
const painted2 = async () => (await overlay(REGION2)).full;

/** Screen position of an image point, from the stage box and the fitted zoom (the photo is centred). */
async function toScreen(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = await testId('canvas-stage').boundingBox();
  if (!box) throw new Error('canvas-stage has no box');
  const zoom = Number(/^(\d+)%$/.exec(((await testId('zoom-level').textContent()) ?? '').trim())?.[1]);
  if (!Number.isFinite(zoom)) throw new Error('zoom-level is not a percent');
  // The zoom label is rounded; the fit is min(box / image) with a 16 px margin, so recompute it.
  const scale = Math.min((box.width - 32) / IMAGE.width, (box.height - 32) / IMAGE.height);
  expect(Math.abs(scale * 100 - zoom)).toBeLessThan(1.5);
  return { x: box.x + box.width / 2 + (x - IMAGE.width / 2) * scale, y: box.y + box.height / 2 + (y - IMAGE.height / 2) * scale };
}

async function drag(from: { x: number; y: number }, to: { x: number; y: number }, steps = 12): Promise<void> {
  const mouse = app.page.mouse;
  await mouse.move(from.x, from.y);
  await mouse.down();
  await mouse.move(to.x, to.y, { steps });
  await mouse.up();
}

async function blurFields(): Promise<void> {
  await app.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }).document.activeElement?.blur?.());
}

describe('masking', () => {
  it('opens a photo and adds a region', async () => {
    app.dialog.next = files.photo;
    await testId('open-image').click();
    await expect.poll(() => testId('image-size').textContent()).toBe('481 × 321');
    // Fit the view so toScreen's maths holds whatever the open did.
    await testId('zoom-fit').click();
    await testId('region-add').click();
    await expect.poll(() => testId('region-list').locator('li').count()).toBe(1);
    expect(await testId('region-name-0').inputValue()).toBe('Region 1');
    expect(await painted1()).toBe(0);
  });

  it('paints a brush stroke into the region, drawn as a tint on the canvas', async () => {
    await testId('tool-brush').click();
    expect(await testId('tool-brush').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => testId('brush-size').count()).toBe(1);
    await testId('brush-size').fill('60');
    await drag(await toScreen(30, 240), await toScreen(210, 240));
    await expect.poll(painted1, { timeout: 5000 }).toBeGreaterThan(150);
    await app.screenshot('masking-01-stroke');
  });

  it('names the region and gives it a prompt', async () => {
    await testId('region-name-0').fill('harbour wall');
    await testId('region-prompt-0').fill('old stone harbour wall');
    expect(await testId('region-name-0').inputValue()).toBe('harbour wall');
    expect(await testId('region-prompt-0').inputValue()).toBe('old stone harbour wall');
    await app.screenshot('masking-02-named');
  });

  it('undo and redo walk the edits back and forth, with buttons and keys', async () => {
    const strokePixels = await painted1();
    await testId('undo').click(); // the prompt
    expect(await testId('region-prompt-0').inputValue()).toBe('');
    await testId('undo').click(); // the name
    expect(await testId('region-name-0').inputValue()).toBe('Region 1');
    await testId('undo').click(); // the stroke
    await expect.poll(painted1).toBe(0);
    await app.screenshot('masking-03-undone');

    await blurFields();
    await app.page.keyboard.press('Control+Shift+Z'); // the stroke again
    await expect.poll(painted1).toBe(strokePixels);
    await app.page.keyboard.press('Control+y'); // the name
    await testId('redo').click(); // the prompt
    expect(await testId('region-name-0').inputValue()).toBe('harbour wall');
    expect(await testId('region-prompt-0').inputValue()).toBe('old stone harbour wall');
    expect(await testId('redo').isDisabled()).toBe(true);

    await app.page.keyboard.press('Control+z');
    expect(await testId('region-prompt-0').inputValue()).toBe('');
    await app.page.keyboard.press('Control+y');
    expect(await testId('region-prompt-0').inputValue()).toBe('old stone harbour wall');
  });

  it('hides and shows the region', async () => {
    await testId('region-visible-0').click();
    expect(await testId('region-visible-0').getAttribute('aria-pressed')).toBe('false');
    await expect.poll(painted1).toBe(0);
    await app.screenshot('masking-04-hidden');
    await testId('region-visible-0').click();
    await expect.poll(painted1).toBeGreaterThan(150);
  });

  it('a second region drawn with the rectangle, feathered, reordered and deleted', async () => {
    await testId('region-add').click();
    await expect.poll(() => testId('region-list').locator('li').count()).toBe(2);
    expect(await testId('region-name-0').inputValue()).toBe('Region 2');
    await testId('tool-rect').click();
    await drag(await toScreen(280, 30), await toScreen(450, 130));
    await expect.poll(painted2).toBeGreaterThan(200);
    const hard = await overlay(REGION2);
    // Feather softens the edge on the canvas: fewer fully covered pixels, more soft ones.
    await testId('region-feather').fill('20');
    expect(await testId('region-feather').inputValue()).toBe('20');
    await expect.poll(painted2).toBeLessThan(hard.full);
    expect((await overlay(REGION2)).soft).toBeGreaterThan(hard.soft + 50);
    await app.screenshot('masking-05-two-regions');

    await testId('region-down-0').click();
    expect(await testId('region-name-0').inputValue()).toBe('harbour wall');
    expect(await testId('region-name-1').inputValue()).toBe('Region 2');
    await testId('region-delete-1').click();
    await expect.poll(() => testId('region-list').locator('li').count()).toBe(1);
    await expect.poll(painted2).toBe(0);
    // Undo brings the deleted region back with its mask.
    await testId('undo').click();
    await expect.poll(() => testId('region-list').locator('li').count()).toBe(2);
    await expect.poll(painted2).toBeGreaterThan(0);
    await app.screenshot('masking-06-restored');
  });

  it('invert and clear act on the selected region', async () => {
    await testId('region-item-0').click();
    await testId('mask-invert').click();
    // Inverted: the blue quadrant outside the stroke is now tinted.
    await expect.poll(painted1).toBeGreaterThan(500);
    await testId('mask-clear').click();
    await expect.poll(painted1).toBe(0);
    await testId('undo').click();
    await testId('undo').click();
    await expect.poll(painted1).toBeGreaterThan(150);
    expect(app.pageErrors).toEqual([]);
    await app.screenshot('masking-07-final');
  });

  it('eraser, lasso and fill (Alt-click floods a painted area away)', async () => {
    await testId('region-item-0').click();
    const before = await painted1();
    await testId('tool-eraser').click();
    await drag(await toScreen(120, 200), await toScreen(120, 290));
    await expect.poll(painted1).toBeLessThan(before - 20);
    const erased = await painted1();

    await testId('tool-lasso').click();
    const mouse = app.page.mouse;
    const corners = [await toScreen(40, 40), await toScreen(200, 40), await toScreen(200, 140), await toScreen(40, 140)];
    await mouse.move(corners[0]!.x, corners[0]!.y);
    await mouse.down();
    for (const c of corners.slice(1)) await mouse.move(c.x, c.y, { steps: 8 });
    await mouse.up();
    await expect.poll(painted1).toBeGreaterThan(erased + 500);
    await app.screenshot('masking-08-lasso');

    await testId('tool-fill').click();
    const inside = await toScreen(120, 90);
    await app.page.keyboard.down('Alt');
    await mouse.click(inside.x, inside.y);
    await app.page.keyboard.up('Alt');
    await expect.poll(painted1).toBe(erased);
    expect(app.pageErrors).toEqual([]);
  });
});
