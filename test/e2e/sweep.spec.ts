/**
 * The sweep end to end on the real engine with the tiny random-weights pack (its output looks like
 * noise; what matters is that every cell runs with its own values): the default axes follow the
 * restoration prompt (a Denoise prompt opens on the noise sigma, Deblur + Denoise on a grid of both),
 * a grid over two run settings (guidance x steps) runs every cell with one seed, each cell labelled
 * with its values, clicking a cell shows it side by side with the original, and a sweep that would
 * change nothing says what to change. Screenshots go to test-results/e2e/.
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
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-sweep-'));
  await writeFile(join(dir, 'quad.png'), await quadrants(128, 96));
  app = await launchApp({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const historyCount = () => app.page.locator('[data-testid^="history-item-"]').count();
const axes = async () => [await testId('sweep-param').inputValue(), await testId('sweep-values').inputValue(), await testId('sweep-param-2').inputValue(), await testId('sweep-values-2').inputValue()];

/** Types a restoration prompt and leaves the field, as a user would. */
async function setPrompt(text: string): Promise<void> {
  await testId('restoration-prompt').fill(text);
  await testId('semantic-prompt').click();
  expect(await testId('restoration-prompt-error').count()).toBe(0);
}

describe('sweep', () => {
  it('opens a photo', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 20_000 }).toBe('ready');
    app.dialog.next = join(dir, 'quad.png');
    await testId('open-image').click();
    await expect.poll(() => testId('image-size').textContent()).toBe('128 × 96');
    await expect.poll(() => testId('estimate-mark').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/^(estimated|clean)$/);
    await testId('run-steps').fill('4');
    await testId('run-steps').press('Enter');
  });

  it('starts on the operations of the prompt: a Denoise prompt walks the noise sigma, not Deblur', async () => {
    await setPrompt('Denoise with sigma 0.05;');
    await testId('sweep-open').click();
    expect(await testId('sweep-dialog').getAttribute('aria-label')).toBe('Sweep');
    expect(await axes()).toEqual(['noise', '0.03, 0.05, 0.08', '', '']);
    expect(await testId('sweep-base').textContent()).toBe('Denoise with sigma 0.05;');
    expect(await testId('sweep-problem').textContent()).toBe('3 runs');
    await app.screenshot('90-sweep-denoise-default');
    await app.page.keyboard.press('Escape');

    await setPrompt('Deblur with sigma 2.0; Denoise with sigma 0.05;');
    await testId('sweep-open').click();
    expect(await axes()).toEqual(['blur', '1.0, 2.0, 3.0', 'noise', '0.03, 0.05, 0.08']);
    expect(await testId('sweep-problem').textContent()).toBe('9 runs');
    // Choosing the second axis's parameter as the first drops the grid rather than sweep one thing twice.
    await testId('sweep-param').selectOption('noise');
    expect(await axes()).toEqual(['noise', '0.03, 0.05, 0.08', '', '']);
    await app.page.keyboard.press('Escape');
  });

  it('sweeps guidance x steps: every cell runs with its values and one seed, labelled', async () => {
    await setPrompt('Denoise with sigma 0.05;');
    const before = await historyCount();
    await testId('sweep-open').click();
    await testId('sweep-param').selectOption('guidanceScale');
    expect(await testId('sweep-values').inputValue()).toBe('5.0, 7.5, 10.0'); // around the run panel's 7.5
    await testId('sweep-values').fill('2, 9');
    await testId('sweep-param-2').selectOption('steps');
    expect(await testId('sweep-values-2').inputValue()).toBe('2, 4, 8'); // around the run panel's 4
    await testId('sweep-values-2').fill('2, 4');
    expect(await testId('sweep-problem').textContent()).toBe('4 runs');
    await testId('sweep-run').click();
    await expect.poll(() => testId('sweep-grid').getAttribute('data-status'), { timeout: 120_000 }).toBe('done');
    const labels = ['guidance 2.0 · steps 2', 'guidance 9.0 · steps 2', 'guidance 2.0 · steps 4', 'guidance 9.0 · steps 4'];
    for (const [i, label] of labels.entries()) {
      expect(await testId(`sweep-cell-${i}`).getAttribute('data-done')).toBe('true');
      expect(await testId(`sweep-label-${i}`).textContent()).toBe(label);
      const title = (await testId(`sweep-cell-${i}`).getAttribute('title')) ?? '';
      expect(title.startsWith(label)).toBe(true);
      expect(title).toContain('Denoise with sigma 0.05;'); // the prompt as it is in every cell
    }
    expect(await testId('sweep-cell-4').count()).toBe(0);
    await expect.poll(() => app.page.locator('[data-testid="sweep-grid"] img').count(), { timeout: 10_000 }).toBe(4);
    expect(await historyCount()).toBe(before + 4);
    await app.screenshot('91-sweep-guidance-steps');
    await app.page.keyboard.press('Escape');

    // Each cell ran its own steps with one seed; the run panel still has the user's settings.
    const titles = await app.page.locator('[data-testid^="history-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    expect(titles.filter((t) => t.includes(' · 2 steps · ')).length).toBe(2);
    expect(titles.filter((t) => t.includes(' · 4 steps · ')).length).toBe(2);
    expect(new Set(titles.map((t) => /seed (\d+)/.exec(t)?.[1])).size).toBe(1);
    expect(await testId('run-steps').inputValue()).toBe('4');
    expect(Number(await testId('run-guidance').inputValue())).toBe(7.5);
  });

  it('clicking a cell shows it side by side with the original', async () => {
    await testId('sweep-open').click();
    expect(await testId('sweep-grid').getAttribute('data-status')).toBe('done'); // the last grid stays
    await testId('sweep-cell-1').click();
    expect(await testId('sweep-dialog').count()).toBe(0);
    await expect.poll(() => testId('compare-view').getAttribute('data-mode')).toBe('side');
    expect(await app.page.locator('.compare-pane').count()).toBe(2);
    const current = app.page.locator('[data-testid^="history-item-"][aria-pressed="true"]');
    expect(await current.getAttribute('title')).toContain(' · 2 steps · ');
    await app.screenshot('92-sweep-cell-side-by-side');
    // The grid marks the cell on screen.
    await testId('sweep-open').click();
    expect(await testId('sweep-cell-1').getAttribute('class')).toContain('current');
    await app.page.keyboard.press('Escape');
  });

  it('restorer only: a guidance sweep is refused with what to change; the restorer views are offered', async () => {
    await testId('run-faithful').check();
    await testId('run-strength').fill('0');
    await expect.poll(() => testId('run-strength-hint').textContent()).toBe('Restorer only: no diffusion steps');
    await setPrompt('');
    await testId('sweep-open').click();
    expect(await axes()).toEqual(['restorerViews', '1, 2, 4, 8', '', '']);
    expect(await testId('sweep-problem').textContent()).toBe('4 runs');
    await testId('sweep-param').selectOption('guidanceScale');
    expect(await testId('sweep-problem').textContent()).toMatch(/^Guidance changes nothing at strength 0 \(restorer only\): raise the strength/);
    expect(await testId('sweep-run').isDisabled()).toBe(true);
    await app.screenshot('93-sweep-refused');
    // Sweeping the strength with it makes the guidance matter again.
    await testId('sweep-param-2').selectOption('strength');
    await testId('sweep-values-2').fill('0, 1');
    expect(await testId('sweep-problem').textContent()).toBe('6 runs');
    expect(await testId('sweep-run').isDisabled()).toBe(false);
    await app.page.keyboard.press('Escape');
    expect(app.pageErrors).toEqual([]);
  });
});
