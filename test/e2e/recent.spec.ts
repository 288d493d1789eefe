/**
 * Recent files and persisted run defaults, through main's real handlers: open two
 * photos by the dialog, reopen the first from the Recent menu; lock a seed and turn
 * the faithful restorer on, reload the page (main's services live on) and see both
 * restored from main's settings.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';
import { quadrants } from './harness/images';

let app: HarnessApp;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-recent-'));
  await writeFile(join(dir, 'first.png'), await quadrants(48, 32));
  await writeFile(join(dir, 'second.png'), await quadrants(64, 40));
  app = await launchApp({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const recentItems = () => app.page.locator('[data-testid^="recent-item-"]');

describe('recent files and persisted run defaults', () => {
  it('starts with an empty recent list', async () => {
    await testId('recent-open').click();
    await expect.poll(() => testId('recent-menu').textContent()).toBe('No recent files');
    await app.page.keyboard.press('Escape');
    await expect.poll(() => testId('recent-menu').count()).toBe(0);
  });

  it('reopens the first of two photos from the Recent menu', async () => {
    app.dialog.next = join(dir, 'first.png');
    await testId('open-image').click();
    await expect.poll(() => testId('image-name').textContent()).toBe('first.png');
    app.dialog.next = join(dir, 'second.png');
    await testId('open-image').click();
    await expect.poll(() => testId('image-name').textContent()).toBe('second.png');

    await testId('recent-open').click();
    await expect.poll(() => recentItems().count()).toBe(2);
    expect(await testId('recent-item-0').locator('.tb-menu-name').textContent()).toBe('second.png');
    expect(await testId('recent-item-1').locator('.tb-menu-name').textContent()).toBe('first.png');
    await app.screenshot('40-recent-menu');
    await testId('recent-item-1').click();
    await expect.poll(() => testId('image-name').textContent()).toBe('first.png');
    expect(await testId('image-size').textContent()).toBe('48 × 32');
    expect(await testId('error-banner').count()).toBe(0);

    // The list was refreshed after the open: the reopened photo is now first.
    await testId('recent-open').click();
    await expect.poll(() => testId('recent-item-0').locator('.tb-menu-name').textContent()).toBe('first.png');
    await app.page.keyboard.press('Escape');
  });

  it('restores the seed lock, the seed and the faithful toggle after a reload', async () => {
    expect(await testId('run-seed-lock').isChecked()).toBe(false);
    await testId('run-seed').fill('4321');
    await testId('run-seed').press('Enter');
    await testId('run-seed-lock').check();
    await testId('run-faithful').check();
    // Saved through spire:settings:set once the debounce has passed.
    await expect
      .poll(() => app.services.settings.get().defaults)
      .toMatchObject({ seedLocked: true, seed: 4321, useRestorer: true });

    await app.page.reload();
    await expect.poll(() => testId('run-seed-lock').isChecked()).toBe(true);
    expect(await testId('run-seed').inputValue()).toBe('4321');
    expect(await testId('run-faithful').isChecked()).toBe(true);
    // The recent list comes back from main too.
    await testId('recent-open').click();
    await expect.poll(() => recentItems().count()).toBe(2);
    await app.screenshot('41-settings-restored');
    expect(app.pageErrors).toEqual([]);
  });
});
