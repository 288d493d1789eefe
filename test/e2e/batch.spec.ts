/**
 * Batch in the app, end to end on the real engine with the tiny random-weights pack: the toolbar's
 * Batch… opens the dialog; main's (fake) folder dialog adds three photos (one corrupt) and picks the
 * output folder; the batch runs with the editor's settings, each photo showing its state and, while it
 * runs, its progress; the outputs land in the folder with the CLI's names (`<name>.png`), the corrupt
 * photo failed with its reason; a second run skips the outputs that exist and leaves them untouched;
 * a batch cancelled mid-way marks the rest cancelled and writes nothing partial. Dropping several photos
 * on the window puts them on the list; an output folder that cannot be written to is refused in words.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../main/engine/image';
import { launchApp, type HarnessApp } from './harness/app';
import { dragFiles } from './harness/dragFile';
import { quadrants } from './harness/images';

let app: HarnessApp;
let dir: string;
let photos: string;
let many: string;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-batch-'));
  photos = join(dir, 'photos');
  many = join(dir, 'many');
  out = join(dir, 'restored');
  for (const d of [photos, many, out]) await mkdir(d);
  await writeFile(join(photos, 'barn.png'), await quadrants(48, 32));
  await writeFile(join(photos, 'harbour.jpg'), await quadrants(40, 40, 'jpeg'));
  await writeFile(join(photos, 'torn.png'), Buffer.from('this is not really a PNG file'));
  await writeFile(join(photos, 'notes.txt'), 'not a photo');
  for (const n of ['p1', 'p2', 'p3', 'p4']) await writeFile(join(many, `${n}.png`), await quadrants(160, 120));
  app = await launchApp({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const item = (name: string) => app.page.locator(`[data-testid="batch-item"][data-name="${name}"]`);
const stateOf = (name: string) => item(name).getAttribute('data-state');
const messageOf = (name: string) => item(name).getByTestId('batch-item-message').textContent();

/**
 * Records every (photo, state, percent) the list shows, so a test can tell a photo was seen running
 * (a MutationObserver in the page; a string, as it runs in the page and not in Node).
 */
async function recordStates(): Promise<void> {
  await app.page.evaluate(`(() => {
    window.batchSeen = [];
    const seen = (el) => {
      const bar = el.querySelector('[role="progressbar"]');
      window.batchSeen.push(el.getAttribute('data-name') + ':' + el.getAttribute('data-state') + (bar ? ':' + bar.getAttribute('aria-valuenow') : ''));
    };
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target instanceof Element ? r.target.closest('[data-testid="batch-item"]') : null;
        if (el) seen(el);
      }
    }).observe(document.body, { subtree: true, attributes: true, childList: true, attributeFilter: ['data-state', 'aria-valuenow'] });
  })()`);
}
const seenStates = () => app.page.evaluate('window.batchSeen') as Promise<string[]>;

describe('batch: several photos into a folder', () => {
  it('opens from the toolbar; a folder adds its photos, an output folder is chosen', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 30_000 }).toBe('ready');
    // The editor's settings are the batch's: few steps keep it quick.
    await testId('run-steps').fill('4');
    await testId('run-steps').press('Enter');
    await testId('batch-open').click();
    await testId('batch-dialog').waitFor();
    expect(await testId('batch-empty').isVisible()).toBe(true);
    expect(await testId('batch-start').isDisabled()).toBe(true);
    await app.screenshot('90-batch-empty');

    app.dialog.nextFolder = photos;
    await testId('batch-add-folder').click();
    await expect.poll(() => app.page.getByTestId('batch-item').count()).toBe(3);
    expect(await app.page.getByTestId('batch-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['barn.png', 'harbour.jpg', 'torn.png']);
    expect(await testId('batch-note').textContent()).toBe('photos: skipped 1 file that is not PNG, JPEG, WebP or TIFF: notes.txt.');
    expect(await stateOf('barn.png')).toBe('ready');

    // A folder that cannot take a file is refused before anything runs, in words.
    app.dialog.nextFolder = join(dir, 'not-there');
    await testId('batch-choose-output').click();
    await expect.poll(() => testId('batch-error').textContent()).toMatch(/^Cannot write to the folder “.*not-there” \(ENOENT\); nothing was run\. Choose a folder you can write to\.$/);
    expect(await testId('batch-output-folder').textContent()).toBe('No folder chosen');

    app.dialog.nextFolder = out;
    await testId('batch-choose-output').click();
    await expect.poll(() => testId('batch-output-folder').textContent()).toBe(out);
    expect(await testId('batch-error').count()).toBe(0);
    expect(await testId('batch-start').textContent()).toBe('Restore 3 photos');
    await app.screenshot('91-batch-ready');
  });

  it('restores them one after another with per-photo states; outputs get the CLI’s names; the corrupt one fails with its reason', async () => {
    await recordStates();
    await testId('batch-start').click();
    await expect.poll(() => testId('batch-summary').textContent(), { timeout: 120_000 }).toBe('Finished: 2 done, 1 failed, 0 skipped.');
    expect(await stateOf('barn.png')).toBe('done');
    expect(await stateOf('harbour.jpg')).toBe('done');
    expect(await stateOf('torn.png')).toBe('failed');
    expect(await messageOf('torn.png')).toMatch(/torn\.png|not .*image|cannot be read|damaged|corrupt/i);
    expect(await messageOf('barn.png')).toMatch(/^Written as “barn\.png” \(48 × 32, \d+\.\d s\)\.$/);
    // Every photo was seen queued, then running (with its bar), then how it ended, in list order.
    const seen = await seenStates();
    for (const name of ['barn.png', 'harbour.jpg']) {
      const mine = seen.filter((s) => s.startsWith(`${name}:`)).map((s) => s.split(':')[1]);
      expect(mine).toContain('running');
      expect(mine.at(-1)).toBe('done');
    }
    expect(seen.findIndex((s) => s.startsWith('barn.png:done'))).toBeLessThan(seen.findIndex((s) => s.startsWith('harbour.jpg:running')));
    expect(seen.some((s) => /^barn\.png:running:\d+$/.test(s))).toBe(true);
    // The CLI's names: <name>.<format> in the output folder; nothing for the failed photo, nothing left over.
    expect((await readdir(out)).sort()).toEqual(['barn.png', 'harbour.png']);
    expect(await sharp(join(out, 'barn.png')).metadata()).toMatchObject({ format: 'png', width: 48, height: 32 });
    expect(await sharp(join(out, 'harbour.png')).metadata()).toMatchObject({ format: 'png', width: 40, height: 40 });
    // Written by the engine's output writer, as the CLI's are: the run's settings in the file's metadata.
    expect((await readImage(join(out, 'barn.png'))).metadata.text).toMatchObject({ 'spire:model': 'tiny-random', 'spire:restoration-prompt': 'Remove all degradation' });
    expect(await testId('error-banner').count()).toBe(0);
    await app.screenshot('92-batch-done');
  });

  it('a second run skips the outputs that exist and leaves them untouched', async () => {
    const before = await readFile(join(out, 'barn.png'));
    await testId('batch-start').click();
    await expect.poll(() => testId('batch-summary').textContent(), { timeout: 60_000 }).toBe('Finished: 0 done, 1 failed, 2 skipped.');
    expect(await stateOf('barn.png')).toBe('skipped');
    expect(await messageOf('barn.png')).toBe('“barn.png” is already in the output folder; left as it is. Tick “Replace existing outputs” to restore it again.');
    expect(await stateOf('torn.png')).toBe('failed');
    expect(Buffer.compare(await readFile(join(out, 'barn.png')), before)).toBe(0);
    await app.screenshot('93-batch-skipped');
  });

  it('cancel mid-batch: the running photo and the rest end cancelled, nothing partial is written', async () => {
    await testId('batch-clear').click();
    await expect.poll(() => app.page.getByTestId('batch-item').count()).toBe(0);
    await testId('run-steps').fill('50');
    await testId('run-steps').press('Enter');
    app.dialog.nextFolder = many;
    await testId('batch-add-folder').click();
    await expect.poll(() => app.page.getByTestId('batch-item').count()).toBe(4);
    await testId('batch-start').click();
    await expect.poll(() => stateOf('p1.png'), { timeout: 60_000 }).toBe('running');
    expect(await testId('batch-running').textContent()).toBe('Photo 1 of 4');
    await app.screenshot('94-batch-running');
    await testId('batch-cancel').click();
    await expect.poll(() => testId('batch-summary').textContent(), { timeout: 60_000 }).toMatch(/^Finished: [01] done, 0 failed, 0 skipped, [34] cancelled\.$/);
    expect(await stateOf('p4.png')).toBe('cancelled');
    expect(await stateOf('p3.png')).toBe('cancelled');
    expect(await messageOf('p4.png')).toBe('Cancelled before it ran.');
    const cancelled = await app.page.locator('[data-testid="batch-item"][data-state="cancelled"]').count();
    // Only photos that finished before the cancel have outputs; no temporary file is left.
    expect((await readdir(out)).filter((n) => n.startsWith('p')).length).toBe(4 - cancelled);
    expect((await readdir(out)).filter((n) => n.endsWith('.tmp') || n.startsWith('.'))).toEqual([]);
    expect(await testId('error-banner').count()).toBe(0);
    await app.screenshot('95-batch-cancelled');
  });

  it('dropping several photos on the window puts them on the batch list', async () => {
    await testId('batch-clear').click();
    await expect.poll(() => app.page.getByTestId('batch-item').count()).toBe(0);
    await testId('batch-close').click();
    expect(await testId('batch-dialog').count()).toBe(0);
    const a = [...(await quadrants(24, 16))];
    const b = [...(await quadrants(16, 24, 'jpeg'))];
    await dragFiles(
      app.page,
      [
        { data: a, name: 'drop-a.png', type: 'image/png' },
        { data: b, name: 'drop-b.jpg', type: 'image/jpeg' },
      ],
      ['dragenter', 'dragover', 'drop'],
    );
    await testId('batch-dialog').waitFor();
    await expect.poll(() => item('drop-b.jpg').count()).toBe(1);
    expect(await item('drop-a.png').textContent()).toContain('dropped');
    // The editor did not open either of them.
    expect(await testId('image-name').count()).toBe(0);
    await app.screenshot('96-batch-dropped');
  });

  it('each photo with its own estimate: the run reads each photo (`auto`) and says so in the output', async () => {
    await testId('run-steps').fill('4');
    await testId('run-steps').press('Enter');
    await testId('batch-own-estimate').check();
    expect(await testId('batch-settings').textContent()).toContain('each photo’s own estimate');
    await testId('batch-start').click();
    await expect.poll(() => testId('batch-summary').textContent(), { timeout: 60_000 }).toBe('Finished: 2 done, 0 failed, 0 skipped.');
    const text = (await readImage(join(out, 'drop-a.png'))).metadata.text;
    expect(text['spire:requested-prompt']).toBe('auto');
    expect(text['spire:estimate']).toBeTruthy();
    expect(await sharp(join(out, 'drop-b.png')).metadata()).toMatchObject({ width: 16, height: 24 });
    await app.screenshot('97-batch-own-estimate');
  });
});
