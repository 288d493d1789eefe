/** The status bar follows the real engine worker: pack, provider, messages, crash and restart. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { launchApp, type HarnessApp } from './harness/app';

let app: HarnessApp | null = null;
const dirs: string[] = [];

afterEach(async () => {
  await app?.close();
  app = null;
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const text = (id: string) => async (): Promise<string | null> => ((await app!.page.getByTestId(id).count()) > 0 ? app!.page.getByTestId(id).textContent() : null);

describe('engine status in the status bar', () => {
  it('shows the pack the worker loaded and the provider it runs on', async () => {
    app = await launchApp();
    await expect.poll(text('status-engine'), { timeout: 20_000 }).toBe('ready');
    expect(await text('status-pack')()).toBe('tiny-random');
    expect(await text('status-provider')()).toBe('cpu');
    expect(await app.page.getByTestId('status-message').count()).toBe(0);
    await app.screenshot('10-status-ready');
  });

  it('says in words when there is no model pack, and the app stays usable', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'spire-e2e-nopacks-'));
    dirs.push(empty);
    app = await launchApp({ engine: { packOverride: null, packRoots: [empty] } });
    await expect.poll(text('status-engine'), { timeout: 20_000 }).toBe('ready');
    expect(await text('status-pack')()).toBe('No model pack');
    expect(await text('status-provider')()).toBe('—');
    // The app's pack folder, then the user data packs folder (imported models).
    expect(await text('status-message')()).toContain(`No model pack found in ${empty} or ${app.userPacksDir}; see README`);
    await app.screenshot('11-status-no-pack');
  });

  it('shows restarting with a message when the engine dies, then ready again', async () => {
    app = await launchApp();
    await expect.poll(text('status-engine'), { timeout: 20_000 }).toBe('ready');
    const seen = new Set<string>();
    const watch = setInterval(() => {
      void text('status-engine')().then((s) => s && seen.add(s), () => undefined);
    }, 20);
    app.engineProcesses[0]!.kill();
    await expect.poll(text('status-message')).toMatch(/The engine stopped unexpectedly \(exit code \d+: killed\)\. Restarting it/);
    await app.screenshot('12-status-restarting');
    await expect.poll(text('status-engine'), { timeout: 20_000 }).toBe('ready');
    clearInterval(watch);
    expect(seen.has('restarting')).toBe(true);
    expect(await text('status-pack')()).toBe('tiny-random');
    expect(app.engineProcesses).toHaveLength(2);
  });
});
