/**
 * Packaging: the Electron fuses electron-builder.yml asks for, and the fuse wire of a built binary.
 *
 * Always: the YAML's `electronFuses` has exactly the seven fuses with the values below, each a key
 * electron-builder maps onto a fuse of @electron/fuses' wire (a typo would be silently ignored).
 * Where a packaged app exists (release/<platform>-unpacked, `npm run package`): its fuse wire, read
 * with getCurrentFuseWire, holds those values. Where only an Electron binary exists: a copy is
 * flipped with the same mapping electron-builder uses and read back. Without either, that part is
 * skipped, and says why.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire, type FuseConfig } from '@electron/fuses';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
/** A fuse's byte on the wire (the package's FuseState, not exported from its index): ASCII '1' / '0'. */
const ENABLE = 0x31;
const DISABLE = 0x30;

const { load } = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

/** What the app requires, as electron-builder's keys, with the wire index each one sets. */
const REQUIRED: Record<string, { fuse: FuseV1Options; on: boolean }> = {
  runAsNode: { fuse: FuseV1Options.RunAsNode, on: false },
  enableNodeOptionsEnvironmentVariable: { fuse: FuseV1Options.EnableNodeOptionsEnvironmentVariable, on: false },
  enableNodeCliInspectArguments: { fuse: FuseV1Options.EnableNodeCliInspectArguments, on: false },
  enableEmbeddedAsarIntegrityValidation: { fuse: FuseV1Options.EnableEmbeddedAsarIntegrityValidation, on: true },
  onlyLoadAppFromAsar: { fuse: FuseV1Options.OnlyLoadAppFromAsar, on: true },
  grantFileProtocolExtraPrivileges: { fuse: FuseV1Options.GrantFileProtocolExtraPrivileges, on: false },
  enableCookieEncryption: { fuse: FuseV1Options.EnableCookieEncryption, on: true },
};

function configuredFuses(): Record<string, unknown> {
  const config = load(readFileSync(join(repo, 'electron-builder.yml'), 'utf8')) as { electronFuses?: Record<string, unknown> };
  return config.electronFuses ?? {};
}

/** The fuse config electron-builder builds from the YAML (app-builder-lib's generateFuseConfig does the same mapping). */
function fuseConfigOf(fuses: Record<string, unknown>): FuseConfig {
  const config: FuseConfig = { version: FuseVersion.V1 };
  for (const [key, value] of Object.entries(fuses)) {
    const required = REQUIRED[key];
    if (required && typeof value === 'boolean') (config as Record<number, boolean>)[required.fuse] = value;
  }
  return config;
}

function expectWire(wire: FuseConfig<number>): void {
  for (const [key, { fuse, on }] of Object.entries(REQUIRED)) {
    expect({ key, state: (wire as Record<number, number>)[fuse] }).toEqual({ key, state: on ? ENABLE : DISABLE });
  }
}

/** The packaged executable electron-builder wrote, if any. */
function packagedBinary(): string | null {
  const candidates = [join(repo, 'release/linux-unpacked/spire-studio'), join(repo, 'release/win-unpacked/SPIRE Studio.exe'), join(repo, 'release/mac/SPIRE Studio.app/Contents/MacOS/SPIRE Studio'), join(repo, 'release/mac-arm64/SPIRE Studio.app/Contents/MacOS/SPIRE Studio')];
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** An Electron executable, found the way test/electron/smoke.mjs finds it (never downloading). */
function electronBinary(): string | null {
  const exe = { linux: 'electron', win32: 'electron.exe', darwin: 'Electron.app/Contents/MacOS/Electron' }[process.platform as string] ?? 'electron';
  const candidates = [process.env.ELECTRON_PATH, process.env.ELECTRON_OVERRIDE_DIST_PATH && join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe), join(repo, 'node_modules/electron/dist', exe)];
  return candidates.find((c): c is string => typeof c === 'string' && c !== '' && existsSync(c)) ?? null;
}

describe('electron-builder.yml: electronFuses', () => {
  it('sets each required fuse to its value, and nothing else', () => {
    const fuses = configuredFuses();
    expect(fuses).toEqual(Object.fromEntries(Object.entries(REQUIRED).map(([key, { on }]) => [key, on])));
  });

  it('every key is one electron-builder knows (its FuseOptionsV1)', () => {
    const dts = readFileSync(createRequire(import.meta.url).resolve('app-builder-lib/out/configuration.d.ts'), 'utf8');
    const options = /export interface FuseOptionsV1 \{([\s\S]*?)\n\}/.exec(dts)?.[1] ?? '';
    const known = [...options.matchAll(/^\s+(\w+)\?: boolean;/gm)].map((m) => m[1]);
    expect(known.length).toBeGreaterThanOrEqual(8);
    for (const key of Object.keys(configuredFuses())) expect(known).toContain(key);
  });

  it('maps onto the fuse wire: three Node fuses and file:// privileges off, asar and cookie fuses on', () => {
    const config = fuseConfigOf(configuredFuses()) as Record<number, boolean>;
    expect(config[FuseV1Options.RunAsNode]).toBe(false);
    expect(config[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(config[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(config[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    expect(config[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(config[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(config[FuseV1Options.EnableCookieEncryption]).toBe(true);
  });

  const packaged = packagedBinary();
  const electron = electronBinary();
  const why = 'no packaged app under release/ and no Electron binary (node_modules/electron/dist, ELECTRON_PATH): nothing to read a fuse wire from';

  it.skipIf(packaged === null)('the packaged binary carries them (getCurrentFuseWire)', async () => {
    expectWire(await getCurrentFuseWire(packaged!));
  });

  it.skipIf(packaged !== null || electron === null)('an Electron binary flipped with this config reads them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spire-fuses-'));
    try {
      const copy = join(dir, 'electron');
      await copyFile(electron!, copy);
      await flipFuses(copy, fuseConfigOf(configuredFuses()));
      expectWire(await getCurrentFuseWire(copy));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('no binary to read: says why', (ctx) => {
    if (packaged === null && electron === null) ctx.skip(why);
  });

  it("a fuse wire with Electron's defaults, flipped with this config, reads back as required", async () => {
    // The wire as Electron lays it out: sentinel, version 1, length 8, one ASCII '0'/'1' per fuse
    // (Electron's defaults: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on).
    const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
    const defaults = '10110001';
    const dir = await mkdtemp(join(tmpdir(), 'spire-fuses-'));
    try {
      const file = join(dir, 'fake-electron');
      await writeFile(file, Buffer.concat([Buffer.alloc(4096, 0x90), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from(defaults), Buffer.alloc(4096, 0x90)]));
      const before = await getCurrentFuseWire(file);
      expect(() => expectWire(before)).toThrow();
      await flipFuses(file, fuseConfigOf(configuredFuses()));
      expectWire(await getCurrentFuseWire(file));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
