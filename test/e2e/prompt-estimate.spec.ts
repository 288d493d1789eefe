/**
 * The estimated restoration prompt in the editor, through main's real handlers and engine, on copies
 * of the tiny-random fixture pack (random weights, so the estimate's numbers are arbitrary; what
 * matters is how they flow) made here with their estimator's presence threshold edited:
 *   a-every  every operation present (a prompt with three clauses);
 *   b-clean  none present (a clean photo: the empty prompt);
 *   c-plain  no estimator at all.
 * Opening a photo fills the prompt, marked estimated with per-operation confidence; the output size
 * control sets the Upsample clause; an edit marks it edited and "Use estimate" puts it back; `auto`
 * is valid; runs record whether their prompt was the estimate (history badge and tooltip, export
 * metadata); a clean photo and a pack without an estimator say so. Screenshots: test-results/e2e/7x-*.png.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DegradationEstimate } from '../../common/estimate';
import { estimatedPromptAt } from '../../common/estimatedPrompt';
import { formatValue, RESTORATION_GRAMMAR } from '../../common/restorationPrompt';
import { TINY_PACK, launchApp, type HarnessApp } from './harness/app';
import { dragFile } from './harness/dragFile';
import { quadrants } from './harness/images';

let app: HarnessApp;
let root: string;
let photo: string;
let every: string;
let clean: string;
let plain: string;

/** A copy of the tiny pack under `root/<folder>`, named `name`, with its manifest edited. */
async function packCopy(folder: string, name: string, edit: (manifest: Record<string, any>) => void): Promise<string> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the test edits arbitrary manifest fields
  const dir = join(root, folder);
  await cp(TINY_PACK, dir, { recursive: true, filter: (src) => !src.includes(join(TINY_PACK, 'golden')) });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  manifest.name = name;
  edit(manifest);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spire-e2e-estimate-'));
  photo = join(root, 'harbour.png');
  await writeFile(photo, await quadrants(96, 64));
  every = await packCopy('a-every', 'estimates-everything', (m) => (m.estimator.presenceThreshold = 0.00001));
  clean = await packCopy('b-clean', 'estimates-clean', (m) => (m.estimator.presenceThreshold = 0.99999));
  plain = await packCopy('c-plain', 'no-estimator', (m) => {
    delete m.estimator;
    delete m.components.estimator;
  });
  app = await launchApp({ engine: { packOverride: every, packRoots: [root] }, viewport: { width: 1280, height: 860 } });
});
afterAll(async () => {
  await app?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);
const promptText = () => testId('restoration-prompt').inputValue();
const markState = () => testId('estimate-mark').getAttribute('data-state');
const historyCount = () => app.page.locator('[data-testid^="history-item-"]').count();

/** What the loaded pack's estimator reads from the test photo, asked of the engine directly. */
async function engineEstimate(path = photo): Promise<DegradationEstimate> {
  const { input: _input, ...estimate } = await app.engine.request('estimate', { input: { path } });
  return estimate;
}

async function runAndWait(count: number): Promise<void> {
  await testId('run-button').click();
  await expect.poll(historyCount, { timeout: 60_000 }).toBe(count);
  await expect.poll(() => testId('run-button').isEnabled()).toBe(true);
}

let estimate: DegradationEstimate;
let estimated: string;

describe('the estimated restoration prompt', () => {
  it('opening a photo fills the prompt with the estimate, marked estimated, with each operation’s confidence', async () => {
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('estimates-everything');
    expect(await promptText()).toBe('Remove all degradation'); // no photo yet: the default
    app.dialog.next = photo;
    await testId('open-image').click();
    await expect.poll(markState, { timeout: 20_000 }).toBe('estimated');
    estimate = await engineEstimate();
    estimated = estimatedPromptAt(estimate, null).text;
    expect(estimated).toMatch(/^Deblur with sigma [0-9.]+; Denoise with sigma [0-9.]+; Dejpeg with quality \d+;$/);
    expect(await promptText()).toBe(estimated);
    expect(await testId('estimate-badge').textContent()).toBe('Estimated from the photo');
    // One chip per operation: value and how sure the estimator is.
    const blur = estimate.operations.find((o) => o.key === 'blur')!;
    expect(await testId('estimate-op-blur').textContent()).toBe(`blur σ ${formatValue(RESTORATION_GRAMMAR.operations[0]!, blur.value)} · ${Math.round(blur.probability * 100)} %`);
    expect(await testId('estimate-op-noise').textContent()).toMatch(/^noise σ [0-9.]+ · \d+ %$/);
    expect(await testId('estimate-op-jpeg').textContent()).toMatch(/^JPEG q \d+ · \d+ %$/);
    // The builder follows the filled text.
    for (const key of ['blur', 'noise', 'jpeg']) expect(await testId(`op-toggle-${key}`).isChecked()).toBe(true);
    expect(await testId('preset-blind').isChecked()).toBe(false);
    expect(await testId('output-size-1').getAttribute('aria-pressed')).toBe('true');
    await app.screenshot('70-estimate-filled');
  });

  it('the output size is the user’s: 1x / 2x / 4x set the Upsample clause, the text stays the estimate', async () => {
    await testId('output-size-2').click();
    expect(await promptText()).toBe(estimatedPromptAt(estimate, { key: 'downsample', value: 2 }).text);
    expect(await promptText()).toContain('Upsample to 2.0x;');
    expect(await testId('output-size-2').getAttribute('aria-pressed')).toBe('true');
    expect(await markState()).toBe('estimated');
    expect(await testId('op-toggle-downsample').isChecked()).toBe(true);
    await testId('output-size-1').click();
    expect(await promptText()).toBe(estimated);
    // A size typed by hand stays valid; the control shows it as typed.
    await testId('restoration-prompt').fill('Upsample to 3.0x; Denoise with sigma 0.05;');
    expect(await testId('output-size-custom').textContent()).toBe('×3.0 (typed)');
    for (const f of [1, 2, 4]) expect(await testId(`output-size-${f}`).getAttribute('aria-pressed')).toBe('false');
    await testId('output-size-4').click();
    expect(await promptText()).toBe('Upsample to 4.0x; Denoise with sigma 0.05;');
  });

  it('an edit marks it edited with the estimate beside it; "Use estimate" puts it back', async () => {
    await testId('estimate-use').click();
    expect(await promptText()).toBe(estimatedPromptAt(estimate, { key: 'downsample', value: 4 }).text);
    await testId('output-size-1').click();
    expect(await promptText()).toBe(estimated);
    await testId('op-value-noise').fill('0.11');
    expect(await markState()).toBe('edited');
    expect(await testId('estimate-badge').textContent()).toBe('Edited');
    expect(await testId('estimate-detail').textContent()).toBe(`estimate: ${estimated}`);
    await app.screenshot('71-estimate-edited');
    await testId('estimate-use').click();
    expect(await promptText()).toBe(estimated);
    expect(await markState()).toBe('estimated');
  });

  it('a run on the estimate is marked estimated in the history; a typed prompt is not', async () => {
    await testId('run-steps').fill('2');
    await testId('run-steps').press('Enter');
    await runAndWait(1);
    expect(await testId('history-item-0').getAttribute('title')).toMatch(new RegExp(`^${estimated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(estimated from the photo\\)\n`));
    expect(await testId('history-estimated-0').textContent()).toBe('estimated');
    await testId('restoration-prompt').fill('Denoise with sigma 0.03;');
    await runAndWait(2);
    const current = app.page.locator('[data-testid^="history-item-"][aria-pressed="true"]');
    expect(await current.getAttribute('title')).toMatch(/^Denoise with sigma 0.03;\n/);
    expect(await testId('history-estimated-0').count()).toBe(0);
    await app.screenshot('74-estimate-history');
  });

  it('`auto` typed is valid: the engine estimates at run time, and the result says so, down to the export', async () => {
    await testId('restoration-prompt').fill('auto');
    expect(await testId('restoration-prompt-error').count()).toBe(0);
    expect(await markState()).toBe('auto');
    expect(await testId('estimate-detail').textContent()).toBe('the estimator will read the photo when you run');
    await testId('output-size-2').click();
    expect(await promptText()).toBe('auto; Upsample to 2.0x;');
    await testId('output-size-1').click();
    expect(await promptText()).toBe('auto');
    await runAndWait(3);
    expect(await testId('history-item-0').getAttribute('title')).toContain(`${estimated} (estimated from the photo)`);
    await testId('export-open').click();
    await testId('export-kind').selectOption('result');
    await testId('export-format').selectOption('png');
    const out = join(root, 'auto.png');
    app.dialog.nextSave = out;
    await testId('export-save').click();
    await expect.poll(() => testId('export-saved').count(), { timeout: 30_000 }).toBe(1);
    const text = await readFile(out, 'latin1');
    expect(text).toContain(`spire:restoration-prompt\0${estimated}`);
    expect(text).toContain('spire:requested-prompt\0auto');
    expect(text).toContain('spire:estimate\0{"restorationPrompt"');
    await app.page.keyboard.press('Escape');
  });

  it('the sweep starts from the estimated value', async () => {
    await testId('restoration-prompt').fill(estimated);
    await testId('sweep-open').click();
    expect(await testId('sweep-param').inputValue()).toBe('blur');
    const blur = /Deblur with sigma ([0-9.]+);/.exec(estimated)![1]!;
    expect((await testId('sweep-values').inputValue()).split(', ')).toContain(blur);
    await testId('sweep-param').selectOption('noise');
    const noise = /Denoise with sigma ([0-9.]+);/.exec(estimated)![1]!;
    expect((await testId('sweep-values').inputValue()).split(', ')).toContain(noise);
    await app.page.keyboard.press('Escape');
  });

  it('a clean photo: an empty prompt, and what the run does with it', async () => {
    await testId('run-pack').selectOption(clean);
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('estimates-clean');
    // The field held the estimate: the new pack's estimate replaces it.
    await expect.poll(markState, { timeout: 20_000 }).toBe('clean');
    expect(await promptText()).toBe('');
    await testId('run-faithful').check();
    await testId('run-strength').fill('0');
    await expect.poll(() => testId('estimate-mark').textContent()).toContain('Looks clean: nothing to fix (the run leaves it as it is)');
    expect(await testId('estimate-op-noise').textContent()).toMatch(/^no noise \(\d+ %\)$/);
    await testId('restoration-prompt').scrollIntoViewIfNeeded();
    await app.screenshot('72-estimate-clean');
  });

  it('a pack without an estimator keeps the field as it is, with a hint; a dropped photo is estimated again with one', async () => {
    await testId('restoration-prompt').fill('Denoise with sigma 0.02;');
    await testId('run-pack').selectOption(plain);
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('no-estimator');
    await expect.poll(markState).toBe('unavailable');
    expect(await testId('estimate-mark').textContent()).toMatch(/^This pack cannot estimate what is wrong with a photo/);
    expect(await promptText()).toBe('Denoise with sigma 0.02;');
    await app.screenshot('73-estimate-unavailable');

    await testId('run-pack').selectOption(every);
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('estimates-everything');
    // The same photo: the user's text stays, the estimate is offered.
    await expect.poll(markState, { timeout: 20_000 }).toBe('edited');
    expect(await promptText()).toBe('Denoise with sigma 0.02;');
    // Another photo dropped on the window is a new photo with its own session: it takes its own estimate.
    const other = join(root, 'other.png');
    await writeFile(other, await quadrants(64, 48));
    await dragFile(app.page, { data: [...(await readFile(other))], name: 'dropped.png', type: 'image/png' }, ['dragenter', 'dragover', 'drop']);
    await expect.poll(() => testId('image-name').textContent()).toBe('dropped.png');
    await expect.poll(markState, { timeout: 20_000 }).toBe('estimated');
    expect(await promptText()).toBe(estimatedPromptAt(await engineEstimate(other), null).text);
    expect(app.pageErrors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
