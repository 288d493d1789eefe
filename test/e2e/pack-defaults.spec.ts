/**
 * Pack defaults, through main's real handlers and engine: a copy of the tiny-random fixture
 * pack made here with `defaults` in its manifest (the fixture itself is left alone) starts
 * the run panel on the settings it recommends; after the user changes them, "Pack defaults"
 * (`run-pack-defaults`) puts them back; strength 0 in faithful mode reads as "restorer only";
 * switching to a pack without a restorer takes that pack's settings and disables the faithful
 * toggle, and switching back takes the first pack's again.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_PACK, launchApp, type HarnessApp } from './harness/app';

let app: HarnessApp;
let root: string;
let compact: string;
let plain: string;

/** A copy of the tiny pack under `root/<folder>` with its manifest edited. */
async function packCopy(folder: string, edit: (manifest: Record<string, any>) => void): Promise<string> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the test edits arbitrary manifest fields
  const dir = join(root, folder);
  await cp(TINY_PACK, dir, { recursive: true, filter: (src) => !src.includes(join(TINY_PACK, 'golden')) });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spire-e2e-pack-defaults-'));
  compact = await packCopy('a-compact', (m) => {
    m.name = 'compact-defaults';
    m.defaults = { useRestorer: true, restorerViews: 4, strength: 0.25, steps: 20, guidanceScale: 3, scheduler: 'dpmpp-2m', colorFix: 'adain', colorFixLevels: 3 };
  });
  plain = await packCopy('b-plain', (m) => {
    m.name = 'no-restorer';
    m.hasRestorer = false;
    delete m.components.restorer;
    m.defaults = { steps: 8, strength: 1, guidanceScale: 5 };
  });
  app = await launchApp({ engine: { packOverride: compact, packRoots: [root] } });
});
afterAll(async () => {
  await app?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const testId = (id: string) => app.page.getByTestId(id);

/** What the run panel shows for the settings a pack recommends. */
async function panel() {
  return {
    steps: await testId('run-steps').inputValue(),
    strength: await testId('run-strength').inputValue(),
    guidance: await testId('run-guidance').inputValue(),
    scheduler: await testId('run-scheduler').inputValue(),
    colorFix: await testId('run-color-fix').inputValue(),
    levels: await testId('run-color-fix-levels').inputValue(),
    faithful: await testId('run-faithful').isChecked(),
    views: await testId('run-views').inputValue(),
  };
}
const COMPACT_PANEL = { steps: '20', strength: '0.25', guidance: '3', scheduler: 'dpmpp-2m', colorFix: 'adain', levels: '3', faithful: true, views: '4' };

describe('pack defaults in the run panel', () => {
  it('starts (nothing saved yet) on the settings the loaded pack recommends', async () => {
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('compact-defaults');
    await expect.poll(panel).toEqual(COMPACT_PANEL);
    expect(await testId('run-steps-hint').textContent()).toBe('5 run');
    expect(await testId('run-faithful').isDisabled()).toBe(false);
    await app.screenshot('60-pack-defaults');
  });

  it('“Pack defaults” puts the user’s changes back to the pack’s recommendation, and saves it', async () => {
    await testId('run-steps').fill('33');
    await testId('run-steps').press('Enter');
    await testId('run-guidance').fill('9');
    await testId('run-scheduler').selectOption('ddim');
    expect(await testId('run-color-fix-levels').isDisabled()).toBe(true); // the levels are the wavelet fix's
    await testId('run-color-fix').selectOption('wavelet');
    await testId('run-color-fix-levels').selectOption('6');
    await testId('run-color-fix').selectOption('none');
    await testId('run-views').selectOption('2');
    await testId('run-faithful').uncheck();
    expect(await testId('run-views').isDisabled()).toBe(true); // the views are the restorer's
    await testId('run-seed').fill('4321');
    await testId('run-seed').press('Enter');
    await expect.poll(panel).toEqual({ steps: '33', strength: '0.25', guidance: '9', scheduler: 'ddim', colorFix: 'none', levels: '6', faithful: false, views: '2' });
    await expect.poll(() => app.services.settings.get()).toMatchObject({ defaultsSaved: true, defaultsPack: compact, defaults: { steps: 33, useRestorer: false, restorerViews: 2, colorFixLevels: 6 } });

    await testId('run-pack-defaults').click();
    await expect.poll(panel).toEqual(COMPACT_PANEL);
    expect(await testId('run-seed').inputValue()).toBe('4321'); // the seed is not a pack's business
    await expect.poll(() => app.services.settings.get().defaults).toMatchObject({ steps: 20, guidanceScale: 3, strength: 0.25, scheduler: 'dpmpp-2m', colorFix: 'adain', colorFixLevels: 3, useRestorer: true, restorerViews: 4, seed: 4321 });
  });

  it('keeps the user’s saved settings for the same pack after a reload', async () => {
    await testId('run-steps').fill('12');
    await testId('run-steps').press('Enter');
    await expect.poll(() => app.services.settings.get().defaults.steps).toBe(12);
    await app.page.reload();
    await expect.poll(() => testId('status-pack').textContent()).toBe('compact-defaults');
    await expect.poll(panel).toEqual({ ...COMPACT_PANEL, steps: '12' });
  });

  it('reads strength 0 in faithful mode as “restorer only”, and asks for faithful mode without it', async () => {
    await testId('run-strength').fill('0');
    await expect.poll(() => testId('run-strength-hint').textContent()).toBe('Restorer only: no diffusion steps');
    expect(await testId('run-steps-hint').textContent()).toBe('0 run (restorer only)');
    expect(await testId('semantic-prompt-hint').textContent()).toMatch(/raise the strength above 0/);
    await testId('run-faithful').uncheck();
    await expect.poll(() => testId('run-strength-hint').textContent()).toBe('Strength 0 runs the restorer only: turn Faithful on');
    await testId('run-pack-defaults').click();
    await expect.poll(() => testId('run-strength-hint').count()).toBe(0);
    expect(await testId('semantic-prompt-hint').count()).toBe(0);
  });

  it('another pack brings its own settings; without a restorer the faithful toggle is off and disabled', async () => {
    await testId('run-pack').selectOption(plain);
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('no-restorer');
    await expect.poll(panel).toEqual({ steps: '8', strength: '1', guidance: '5', scheduler: 'ddim', colorFix: 'wavelet', levels: '5', faithful: false, views: '1' });
    expect(await testId('run-color-fix-levels').isDisabled()).toBe(false);
    expect(await testId('run-faithful').isDisabled()).toBe(true);
    expect(await testId('run-views').isDisabled()).toBe(true);
    expect(await testId('run-faithful').locator('xpath=..').getAttribute('title')).toMatch(/has no restorer/);
    await app.screenshot('61-pack-defaults-no-restorer');

    await testId('run-pack').selectOption(compact);
    await expect.poll(() => testId('status-pack').textContent(), { timeout: 60_000 }).toBe('compact-defaults');
    await expect.poll(panel).toEqual(COMPACT_PANEL);
    expect(await testId('run-faithful').isDisabled()).toBe(false);
    expect(app.pageErrors).toEqual([]);
  });
});
