/**
 * Honest progress and the run panel at 1280 x 800, end to end on the real engine with the tiny
 * random-weights pack: one bar goes monotonically from 0 to 1 over a run with restorer views and
 * steps; the toolbar's buttons do not move while it runs; the restorer's output is previewed
 * before the last step; every control of the run panel is inside the window without scrolling,
 * and the restorer views' cost stands beside their control. Screenshots go to test-results/e2e/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';
import { quadrants } from './harness/images';

let app: HarnessApp;
let dir: string;

const VIEWPORT = { width: 1280, height: 800 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spire-e2e-progress-'));
  await writeFile(join(dir, 'quad.png'), await quadrants(96, 64));
  app = await launchApp({ viewport: VIEWPORT });
});
afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);

/** Sets a run setting's number field and commits it. */
async function setNumber(id: string, value: number): Promise<void> {
  await testId(id).fill(String(value));
  await testId(id).press('Enter');
}

type Box = { x: number; y: number; width: number; height: number };

// Code run in the page (strings: this file is typechecked without the DOM's types).

/** Every toolbar button's box but Cancel's, by its position and test id. */
const TOOLBAR_BOXES = `(() => {
  const out = {};
  document.querySelectorAll('[role="toolbar"] button:not([data-testid="cancel-button"])').forEach((b, i) => {
    const r = b.getBoundingClientRect();
    out[i + ':' + (b.dataset.testid || b.getAttribute('aria-label') || b.textContent || '')] = { x: r.x, y: r.y, width: r.width, height: r.height };
  });
  return out;
})()`;

/** Toolbar buttons whose text wrapped onto a second line (a text node spread over several line boxes). */
const WRAPPED_TOOLBAR_BUTTONS = `[...document.querySelectorAll('[role="toolbar"] button')]
  .filter((b) => {
    const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) return true;
    }
    return false;
  })
  .map((b) => b.dataset.testid || b.textContent)`;

/** Each run-panel control: its name, box, and whether something else covers its centre. */
const RUN_PANEL_CONTROLS = `[...document.querySelectorAll('section[aria-labelledby="run-panel-title"] :is(input, select, button, textarea)')].map((el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  const covered = !(hit !== null && (hit === el || el.contains(hit) || (el instanceof HTMLInputElement && hit.contains(el))));
  return { name: el.dataset.testid || el.id || el.tagName, box: { x: r.x, y: r.y, width: r.width, height: r.height }, covered };
})`;

/** Records every fraction the progress bar shows, each label, and the labels shown while a preview image was up. */
const WATCH_PROGRESS_BAR = `(() => {
  window.__fractions = [];
  window.__labels = [];
  window.__previewAt = [];
  const record = () => {
    const bar = document.querySelector('[data-testid="progress-bar"]');
    if (!bar) return;
    const f = Number(bar.dataset.fraction);
    if (window.__fractions.at(-1) !== f) window.__fractions.push(f);
    const label = document.querySelector('[data-testid="progress-label"]')?.textContent ?? '';
    if (window.__labels.at(-1) !== label) window.__labels.push(label);
    if (document.querySelector('img[data-testid="progress-preview"]') && !window.__previewAt.includes(label)) window.__previewAt.push(label);
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-fraction', 'src'] });
})()`;

const toolbarBoxes = () => app.page.evaluate(TOOLBAR_BOXES) as Promise<Record<string, Box>>;
const wrappedToolbarButtons = () => app.page.evaluate(WRAPPED_TOOLBAR_BUTTONS) as Promise<string[]>;
const watchProgressBar = () => app.page.evaluate(WATCH_PROGRESS_BAR) as Promise<void>;
const watched = () => app.page.evaluate('({ fractions: window.__fractions, labels: window.__labels, previewAt: window.__previewAt })') as Promise<{ fractions: number[]; labels: string[]; previewAt: string[] }>;

describe('the run panel at 1280 x 800', () => {
  it('opens a photo with the engine ready', async () => {
    await expect.poll(() => testId('status-engine').textContent(), { timeout: 20_000 }).toBe('ready');
    app.dialog.next = join(dir, 'quad.png');
    await testId('open-image').click();
    await expect.poll(() => testId('image-size').textContent()).toBe('96 × 64');
    await expect.poll(() => testId('estimate-mark').getAttribute('data-state'), { timeout: 20_000 }).toMatch(/^(estimated|clean)$/);
  });

  it('has every run-panel control inside the window without scrolling', async () => {
    const controls = (await app.page.evaluate(RUN_PANEL_CONTROLS)) as { name: string; box: Box; covered: boolean }[];
    expect(controls.length).toBeGreaterThanOrEqual(10);
    const outside = controls
      .filter(({ box }) => box.width === 0 || box.y < 0 || box.y + box.height > VIEWPORT.height || box.x < 0 || box.x + box.width > VIEWPORT.width)
      .map((c) => c.name);
    // Not hidden behind another element (the history strip, the status bar): the control itself is hit at its centre.
    outside.push(...controls.filter((c) => c.covered).map((c) => `${c.name} (covered)`));
    expect(outside).toEqual([]);
    // Nothing scrolled to get there.
    expect(await app.page.evaluate("document.querySelector('.sidebar').scrollTop")).toBe(0);
    await app.screenshot('60-run-panel-1280x800');
  });

  it('shows the cost of the restorer views beside their control', async () => {
    await testId('run-faithful').check();
    await testId('run-strength').fill('0'); // the restorer only: the views are most of the run
    const ratio = async () => Number(/^≈ ([\d.]+)× the time of 1$/.exec((await testId('run-views-cost').textContent()) ?? '')?.[1]);
    await testId('run-views').selectOption('8');
    await expect.poll(ratio).toBeGreaterThan(3);
    const eight = await ratio();
    expect(await testId('run-views-cost').getAttribute('data-measured')).toBe('false'); // no run yet: the prior
    await testId('run-views').selectOption('2');
    const two = await ratio();
    expect(two).toBeGreaterThan(1);
    expect(two).toBeLessThan(eight);
    // With diffusion steps the views are a smaller share of the run.
    await testId('run-views').selectOption('8');
    await testId('run-strength').fill('1');
    expect(await ratio()).toBeLessThan(eight);
    // Beside the control: on its row, right of it, inside the panel.
    const select = (await testId('run-views').boundingBox())!;
    const cost = (await testId('run-views-cost').boundingBox())!;
    expect(Math.abs(select.y + select.height / 2 - (cost.y + cost.height / 2))).toBeLessThan(6);
    expect(cost.x).toBeGreaterThan(select.x + select.width - 1);
    expect(cost.x + cost.width).toBeLessThanOrEqual(VIEWPORT.width);
    await testId('run-views').selectOption('1');
    expect(await testId('run-views-cost').textContent()).toBe('the fastest');
    await testId('run-views').selectOption('8');
    await app.screenshot('61-run-panel-views-cost');
  });

  it('has every toolbar button inside the window on one line', async () => {
    const boxes = await toolbarBoxes();
    const outside = Object.entries(boxes).filter(([, b]) => b.x < 0 || b.x + b.width > VIEWPORT.width);
    expect(outside).toEqual([]);
    expect(await wrappedToolbarButtons()).toEqual([]);
  });
});

describe('one progress bar over a run', () => {
  it('goes monotonically from 0 to 1 over restorer views, steps and the decode, with the toolbar still', async () => {
    await testId('run-faithful').check();
    await testId('run-views').selectOption('8');
    await setNumber('run-steps', 60);
    await testId('run-strength').fill('0.5');
    await expect.poll(() => testId('run-steps-hint').textContent()).toBe('30 run');
    const before = await toolbarBoxes();
    await watchProgressBar();
    await testId('run-button').click();
    // While it runs: the bar is there and no toolbar button has moved or changed size.
    await expect.poll(async () => Number(await testId('progress-bar').getAttribute('data-step').catch(() => '0')), { timeout: 30_000 }).toBeGreaterThan(0);
    const during = await toolbarBoxes();
    expect(during).toEqual(before);
    expect(await wrappedToolbarButtons()).toEqual([]);
    const cancel = (await testId('cancel-button').boundingBox())!;
    expect(cancel.x + cancel.width).toBeLessThanOrEqual(VIEWPORT.width);
    await app.screenshot('62-progress-running');
    await expect.poll(() => app.page.locator('[data-testid^="history-item-"]').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => testId('run-button').isEnabled()).toBe(true);
    expect(await toolbarBoxes()).toEqual(before);
    // The views' cost beside their control is now measured on this run (same steps).
    expect(await testId('run-views-cost').getAttribute('data-measured')).toBe('true');

    const seen = await watched();
    expect(seen.fractions.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.fractions.length; i++) expect(seen.fractions[i]!).toBeGreaterThanOrEqual(seen.fractions[i - 1]!);
    expect(seen.fractions[0]!).toBeLessThan(0.5);
    expect(seen.fractions.at(-1)!).toBeGreaterThan(0.9);
    // One label at a time, in words: the restorer's views, then the steps.
    expect(seen.labels.some((l) => /^Restorer (view|pass) \d+\/\d+$/.test(l))).toBe(true);
    expect(seen.labels.some((l) => /^Step \d+\/30$/.test(l))).toBe(true);
    // The preview was up before the last step.
    expect(seen.previewAt.some((l) => l.startsWith('Restorer') || (/^Step (\d+)\/30$/.test(l) && Number(/^Step (\d+)/.exec(l)![1]) < 30))).toBe(true);
  });

  it('shows the restorer output as the preview before the steps, and the ETA, in one bar', async () => {
    // A longer run, watched while it goes.
    await setNumber('run-steps', 200);
    await testId('run-strength').fill('1');
    await testId('run-button').click();
    await expect.poll(async () => (await testId('progress-label').textContent().catch(() => '')) ?? '', { timeout: 30_000 }).toMatch(/^Step \d+\/200$/);
    await expect.poll(() => app.page.locator('img[data-testid="progress-preview"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await testId('progress-eta').textContent()).toMatch(/left|estimating/);
    const fraction = Number(await testId('progress-bar').getAttribute('data-fraction'));
    expect(fraction).toBeGreaterThan(0);
    expect(fraction).toBeLessThan(1);
    await app.screenshot('63-progress-steps');
    // In a smaller window the label gives way; Cancel and the bar stay inside it.
    await app.page.setViewportSize({ width: 1100, height: 720 });
    const cancel = (await testId('cancel-button').boundingBox())!;
    const bar = (await testId('progress-bar').boundingBox())!;
    expect(cancel.x + cancel.width).toBeLessThanOrEqual(1100);
    expect(bar.x + bar.width).toBeLessThanOrEqual(1100);
    expect(await wrappedToolbarButtons()).toEqual([]);
    await app.screenshot('64-progress-1100');
    await app.page.setViewportSize(VIEWPORT);
    await testId('cancel-button').click();
    await expect.poll(() => testId('cancel-button').count(), { timeout: 10_000 }).toBe(0);
  });
});
