/**
 * Per-photo sessions end to end, on the real engine with the tiny random-weights pack: photo A gets
 * its prompts and a run; photo B opens with its own (not A's); switching back brings A's prompts and
 * history; a run started on A that finishes while B is shown lands in A's history (and its progress
 * stays off B); A closed and its file opened again (and an identical copy under another name) come
 * back with the session main saved in the user data folder. Screenshots go to test-results/e2e/.
 */
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';
import { quadrants } from './harness/images';

let app: HarnessApp;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-sessions-'));
  await writeFile(join(dir, 'barn.png'), await quadrants(96, 64));
  // Another photo: a horizontal gradient, another size.
  const w = 80;
  const h = 72;
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set([Math.round(((i % w) / w) * 255), 90, 160], i * 3);
  await writeFile(join(dir, 'harbour.png'), await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer());
  await copyFile(join(dir, 'barn.png'), join(dir, 'barn copy.png'));
  app = await launchApp({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const historyCount = () => app.page.locator('[data-testid^="history-item-"]').count();
const tabCount = () => app.page.locator('[data-testid^="photo-tab-select-"]').count();
const activeTab = () => app.page.locator('[data-testid^="photo-tab-"][data-active="true"]').getAttribute('data-testid');

async function open(name: string, size: string): Promise<void> {
  app.dialog.next = join(dir, name);
  await testId('open-image').click();
  await expect.poll(() => testId('image-name').textContent(), { timeout: 20_000 }).toBe(name);
  expect(await testId('image-size').textContent()).toBe(size);
}

async function setSteps(n: number): Promise<void> {
  await testId('run-steps').fill(String(n));
  await testId('run-steps').press('Enter');
}

describe('per-photo sessions', () => {
  it('photo A: its own prompts and a run in its history', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 20_000 }).toBe('ready');
    await open('barn.png', '96 × 64');
    await expect.poll(() => testId('estimate-mark').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/^(estimated|clean)$/);
    // One photo needs no tabs.
    expect(await testId('photo-tabs').count()).toBe(0);
    await testId('restoration-prompt').fill('Denoise with sigma 0.08;');
    await testId('semantic-prompt').fill('a red barn');
    // A region over the whole photo (its empty mask inverted) with its own prompt.
    await testId('region-add').click();
    await testId('mask-invert').click();
    await testId('region-prompt-0').fill('the roof');
    await testId('run-strength').fill('0.5');
    await setSteps(4);
    await testId('run-seed').fill('777');
    await testId('run-seed-lock').check();
    await testId('run-button').click();
    await expect.poll(historyCount, { timeout: 60_000 }).toBe(1);
    expect(await testId('history-item-0').getAttribute('title')).toContain('Denoise with sigma 0.08;');
    expect(await testId('history-item-0').getAttribute('title')).toContain('regions: the roof');
    await app.screenshot('sessions-1-photo-a-run');
  });

  it('photo B starts from its own estimate and the defaults, not from A', async () => {
    await open('harbour.png', '80 × 72');
    expect(await tabCount()).toBe(2);
    expect(await activeTab()).toBe('photo-tab-1');
    await expect.poll(() => testId('estimate-mark').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/^(estimated|clean)$/);
    expect(await testId('semantic-prompt').inputValue()).toBe('');
    expect(await testId('restoration-prompt').inputValue()).not.toBe('Denoise with sigma 0.08;');
    expect(await historyCount()).toBe(0);
    expect(await testId('region-item-0').count()).toBe(0);
    // A's locked seed is A's: B draws its own.
    expect(await testId('run-seed-lock').isChecked()).toBe(false);
    await testId('semantic-prompt').scrollIntoViewIfNeeded();
    await app.screenshot('sessions-2-photo-b-fresh');
  });

  it('switching back to A brings back its prompts, seed lock and history', async () => {
    await testId('photo-tab-select-0').click();
    await expect.poll(() => testId('image-name').textContent()).toBe('barn.png');
    expect(await testId('restoration-prompt').inputValue()).toBe('Denoise with sigma 0.08;');
    expect(await testId('semantic-prompt').inputValue()).toBe('a red barn');
    expect(await testId('run-seed-lock').isChecked()).toBe(true);
    expect(await testId('run-seed').inputValue()).toBe('777');
    expect(await historyCount()).toBe(1);
    // The estimate is not read again for a photo that has it.
    expect(await testId('estimate-mark').getAttribute('data-state')).toBe('edited');
  });

  it("a run started on A and finished while B is shown lands in A's history, its progress only on A", async () => {
    await testId('run-strength').fill('1');
    await setSteps(40);
    await testId('run-button').click();
    await expect.poll(async () => Number((await testId('progress-bar').getAttribute('data-step')) ?? 0), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await testId('photo-tab-select-1').click();
    await expect.poll(() => testId('image-name').textContent()).toBe('harbour.png');
    // B is idle: no progress, no preview, Run is there; A's tab says it is running.
    expect(await testId('cancel-button').count()).toBe(0);
    expect(await testId('progress-preview').count()).toBe(0);
    expect(await testId('photo-tab-0').getAttribute('data-busy')).toBe('true');
    expect(await testId('photo-tab-busy-0').count()).toBe(1);
    await app.screenshot('sessions-3-a-running-while-b-shown');
    await expect.poll(() => testId('photo-tab-0').getAttribute('data-busy'), { timeout: 120_000 }).toBe('false');
    expect(await historyCount()).toBe(0);
    await testId('photo-tab-select-0').click();
    await expect.poll(historyCount).toBe(2);
    // The new result is A's current one, shown.
    expect(await testId('history-item-0').getAttribute('aria-pressed')).toBe('true');
    expect(await testId('history-item-0').getAttribute('title')).toContain('a red barn');
    await expect.poll(() => app.page.locator('[data-testid="history-item-0"] img').count(), { timeout: 10_000 }).toBe(1);
    await app.screenshot('sessions-4-a-result-landed');
  });

  it("closing A and opening its file again restores its session from main's copy", async () => {
    await testId('photo-tab-close-0').click();
    await expect.poll(() => testId('photo-tabs').count()).toBe(0);
    await expect.poll(() => testId('image-name').textContent()).toBe('harbour.png');
    // Saved in the user data folder, not beside the photo.
    expect((await readdir(dir)).sort()).toEqual(['barn copy.png', 'barn.png', 'harbour.png']);

    await open('barn.png', '96 × 64');
    expect(await tabCount()).toBe(2);
    await expect.poll(historyCount, { timeout: 20_000 }).toBe(2);
    expect(await testId('restoration-prompt').inputValue()).toBe('Denoise with sigma 0.08;');
    expect(await testId('semantic-prompt').inputValue()).toBe('a red barn');
    expect(await testId('run-seed-lock').isChecked()).toBe(true);
    expect(await testId('run-steps').inputValue()).toBe('40');
    // Its region and mask: a run still sends it.
    expect(await testId('region-prompt-0').inputValue()).toBe('the roof');
    expect(await testId('region-does-0').textContent()).not.toMatch(/^Not sent yet/);
    await expect.poll(() => app.page.locator('[data-testid^="history-item-"] img').count(), { timeout: 10_000 }).toBe(2);
    // The restored results are main's again: export finds them.
    const out = join(dir, 'export.png');
    app.dialog.nextSave = out;
    await testId('export-open').click();
    await testId('export-save').click();
    await expect.poll(() => testId('export-saved').textContent(), { timeout: 20_000 }).toContain('export.png');
    await app.page.keyboard.press('Escape');
    await testId('semantic-prompt').scrollIntoViewIfNeeded();
    await app.screenshot('sessions-5-a-reopened');
    await rm(out, { force: true });
  });

  it('an identical copy under another name is the same photo: its tab is shown', async () => {
    await testId('photo-tab-select-0').click();
    await expect.poll(() => testId('image-name').textContent()).toBe('harbour.png');
    app.dialog.next = join(dir, 'barn copy.png');
    await testId('open-image').click();
    await expect.poll(() => testId('image-name').textContent(), { timeout: 20_000 }).toBe('barn.png');
    expect(await tabCount()).toBe(2);
    expect(await activeTab()).toBe('photo-tab-1');
    expect(await historyCount()).toBe(2);
    expect(app.pageErrors).toEqual([]);
  });
});
