/** Opening images as a user does: the dialog, a drop, a broken file; then zooming. */
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';
import { dragFile as dragFileOn, type DraggedFile } from './harness/dragFile';
import { countColours } from './harness/canvas';
import { QUADRANT_COLOURS, quadrants, writeImageFiles, type ImageFiles } from './harness/images';

let app: HarnessApp;
let files: ImageFiles;

beforeAll(async () => {
  files = await writeImageFiles();
  app = await launchApp();
});
afterAll(async () => {
  await app?.close();
  if (files) await rm(files.dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);

/** Dispatches drag events `types` on the page's body, carrying one file. */
const dragFile = (file: DraggedFile, types: string[]): Promise<void> => dragFileOn(app.page, file, types);

async function zoomPercent(): Promise<number> {
  const text = (await testId('zoom-level').textContent()) ?? '';
  const match = /^(\d+)%$/.exec(text.trim());
  if (!match) throw new Error(`zoom-level shows "${text}", expected an integer percent like "37%"`);
  return Number(match[1]);
}

describe('opening images', () => {
  it('shows the empty state before anything is open', async () => {
    await expect.poll(() => testId('app-root').count()).toBe(1);
    expect(await testId('empty-state').isVisible()).toBe(true);
    await app.screenshot('01-empty');
  });

  it('opens the file chosen in the dialog and draws it on the canvas', async () => {
    app.dialog.next = files.photo;
    await testId('open-image').click();
    await expect.poll(() => testId('image-name').textContent()).toBe('harbour.png');
    expect(await testId('image-size').textContent()).toBe('481 × 321');
    expect(app.dialog.calls).toBe(1);
    expect(await testId('empty-state').count()).toBe(0);
    await expect
      .poll(async () => Object.values(await countColours(app.page, QUADRANT_COLOURS)).every((n) => n > 20), { timeout: 10_000 })
      .toBe(true);
    await app.screenshot('02-opened-by-dialog');
  });

  it('changes zoom with the toolbar buttons', async () => {
    const start = await zoomPercent();
    await testId('zoom-in').click();
    await expect.poll(zoomPercent).toBeGreaterThan(start);
    const zoomedIn = await zoomPercent();
    await testId('zoom-out').click();
    await expect.poll(zoomPercent).toBeLessThan(zoomedIn);
    await testId('zoom-fit').click();
    // Fit: the whole 481 × 321 image is visible and fills most of the stage (the renderer may keep a margin).
    const box = await testId('canvas-stage').boundingBox();
    if (!box) throw new Error('canvas-stage has no box');
    const fit = Math.min(box.width / 481, box.height / 321) * 100;
    await expect.poll(zoomPercent).toBeGreaterThanOrEqual(Math.floor(fit * 0.85));
    expect(await zoomPercent()).toBeLessThanOrEqual(Math.ceil(fit) + 1);
    await app.screenshot('03-zoom-fit');
    await testId('zoom-actual').click();
    await expect.poll(zoomPercent).toBe(100);
  });

  it('opens a file dropped on the window (bytes, not a path)', async () => {
    const bytes = await quadrants(300, 200, 'jpeg');
    await dragFile({ data: [...bytes], name: 'dropped photo.jpg', type: 'image/jpeg' }, ['dragenter', 'dragover', 'drop']);
    await expect.poll(() => testId('image-name').textContent()).toBe('dropped photo.jpg');
    expect(await testId('image-size').textContent()).toBe('300 × 200');
    expect(await testId('drop-overlay').count()).toBe(0);
    expect(app.dialog.calls).toBe(1);
    await app.screenshot('04-dropped');
  });

  it('shows the drop overlay only while a file is dragged over the window', async () => {
    await dragFile({ data: [1], name: 'x.png', type: 'image/png' }, ['dragenter']);
    await expect.poll(() => testId('drop-overlay').count()).toBe(1);
    await app.screenshot('05-drop-overlay');
    await dragFile({ data: [1], name: 'x.png', type: 'image/png' }, ['dragleave']);
    await expect.poll(() => testId('drop-overlay').count()).toBe(0);
  });

  it('explains a corrupt file in the error banner, which can be dismissed', async () => {
    app.dialog.next = files.corrupt;
    await testId('open-image').click();
    await expect.poll(() => testId('error-banner').count()).toBe(1);
    const text = (await testId('error-banner').textContent()) ?? '';
    expect(text).toContain('broken.png');
    expect(text).toMatch(/truncated or damaged/);
    expect(text).toMatch(/Open the original file, or re-save it/);
    // The image that was open stays open.
    expect(await testId('image-name').textContent()).toBe('dropped photo.jpg');
    await app.screenshot('06-corrupt-file');
    await testId('error-dismiss').click();
    await expect.poll(() => testId('error-banner').count()).toBe(0);
  });

  it('says plainly when a file is not an image at all', async () => {
    app.dialog.next = files.notImage;
    await testId('open-image').click();
    await expect.poll(async () => (await testId('error-banner').count()) > 0 && (await testId('error-banner').textContent())).toMatch(
      /“notes\.png” is not an image SPIRE Studio can open\. Choose a PNG, JPEG, WebP or TIFF file\./,
    );
    await testId('error-dismiss').click();
  });

  it('does nothing when the dialog is cancelled', async () => {
    app.dialog.next = null;
    await testId('open-image').click();
    await expect.poll(() => app.dialog.calls).toBe(4);
    expect(await testId('error-banner').count()).toBe(0);
    expect(await testId('image-name').textContent()).toBe('dropped photo.jpg');
  });

  it('the page raised no errors and tried no outside requests', async () => {
    expect(app.pageErrors).toEqual([]);
    expect(app.blockedRequests).toEqual([]);
    // The fixture file was only read by main, never handed to the page as a path.
    expect((await readFile(files.photo)).length).toBeGreaterThan(0);
  });
});
