import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpireError } from '../../../../common/errors';
import { discoverPack, onnxComponents, readManifest } from '../../../../main/engine/packs';

let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-packs-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writePack(dir: string, manifest: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
}

describe('discoverPack', () => {
  it('takes the first pack folder (by name) that has a manifest, skipping folders without one', async () => {
    const root = join(tmp, 'packs');
    await mkdir(join(root, 'a-empty'), { recursive: true });
    await writePack(join(root, 'c-pack'), {});
    await writePack(join(root, 'b-pack'), {});
    expect(await discoverPack({ override: null, roots: [root] })).toEqual({ dir: join(root, 'b-pack'), message: null });
  });

  it('searches roots in order and skips roots that do not exist', async () => {
    const second = join(tmp, 'second');
    await writePack(join(second, 'p'), {});
    const found = await discoverPack({ override: null, roots: [join(tmp, 'missing'), second] });
    expect(found.dir).toBe(join(second, 'p'));
  });

  it('says where it looked when there is no pack, and points at the README', async () => {
    const root = join(tmp, 'nothing-here');
    const found = await discoverPack({ override: null, roots: [root] });
    expect(found.dir).toBeNull();
    expect(found.message).toContain(`No model pack found in ${root}`);
    expect(found.message).toContain('README');
  });

  it('prefers the override, given as a folder or as its manifest.json', async () => {
    const root = join(tmp, 'packs');
    await writePack(join(root, 'default'), {});
    const chosen = join(tmp, 'chosen');
    await writePack(chosen, {});
    expect((await discoverPack({ override: chosen, roots: [root] })).dir).toBe(chosen);
    expect((await discoverPack({ override: join(chosen, 'manifest.json'), roots: [root] })).dir).toBe(chosen);
  });

  it('reports an override that does not exist instead of silently using another pack', async () => {
    const root = join(tmp, 'packs');
    await writePack(join(root, 'default'), {});
    const found = await discoverPack({ override: join(tmp, 'typo'), roots: [root] });
    expect(found.dir).toBeNull();
    expect(found.message).toMatch(/SPIRE_MODEL_PACK is set to .*typo.*unset it/);
  });
});

describe('readManifest', () => {
  it('reads components keyed by name, resolving files inside the pack', async () => {
    const dir = join(tmp, 'p');
    await writePack(dir, {
      format: 'spire-pack',
      name: 'tiny',
      version: 2,
      components: { unet: { file: 'unet/model.onnx', dtype: 'float32' }, vocab: { file: 'vocab.json' } },
    });
    const m = await readManifest(dir);
    expect(m.name).toBe('tiny');
    expect(m.version).toBe('2');
    expect(m.components.map((c) => [c.name, c.path])).toEqual([
      ['unet', join(dir, 'unet/model.onnx')],
      ['vocab', join(dir, 'vocab.json')],
    ]);
    expect(m.components[0]?.raw.dtype).toBe('float32');
    expect(onnxComponents(m).map((c) => c.name)).toEqual(['unet']);
  });

  it('accepts components as an array of { name, file } and names the pack after its folder when unnamed', async () => {
    const dir = join(tmp, 'folder-name');
    await writePack(dir, { components: [{ name: 'vae', file: 'vae.onnx' }] });
    const m = await readManifest(dir);
    expect(m.name).toBe('folder-name');
    expect(m.format).toBeNull();
    expect(m.components[0]).toMatchObject({ name: 'vae', file: 'vae.onnx' });
  });

  const bad: [string, unknown, RegExp][] = [
    ['invalid JSON', '{ "components": ', /is not valid JSON/],
    ['a non-object', '[1, 2]', /must hold a JSON object/],
    ['another format', { format: 'diffusers' }, /has format "diffusers"; SPIRE Studio reads "spire-pack"/],
    ['a component without a file', { components: { unet: { dtype: 'float16' } } }, /component "unet" has no "file"/],
    ['an absolute path', { components: { unet: { file: '/etc/passwd' } } }, /absolute path/],
    ['a path leaving the pack', { components: { unet: { file: '../../secret.onnx' } } }, /points outside the pack folder/],
    ['components of the wrong type', { components: 'unet.onnx' }, /"components" must be an object/],
  ];
  it.each(bad)('rejects %s with the manifest path and the reason', async (_label, manifest, reason) => {
    const dir = join(tmp, 'bad');
    await writePack(dir, manifest);
    const err = await readManifest(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpireError);
    expect((err as SpireError).code).toBe('pack-invalid');
    expect((err as SpireError).details.file).toBe(join(dir, 'manifest.json'));
    expect((err as SpireError).details.reason).toMatch(reason);
  });

  it('says the manifest is missing', async () => {
    await mkdir(join(tmp, 'empty'));
    await expect(readManifest(join(tmp, 'empty'))).rejects.toThrow(/has no manifest.json/);
  });
});
