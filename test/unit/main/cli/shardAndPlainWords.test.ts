// `spire restore --shard i/n` (restoreTargets.ts shardOf / planTargets) and `--restore` in plain words
// (restoreArgs.ts): the partition rule, bad values (exit 2), the empty share (exit 0), the stderr line.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRestoreArgs, parseShard } from '../../../../main/cli/restoreArgs';
import { planTargets, shardOf } from '../../../../main/cli/restoreTargets';
import { runCli, type CliRun } from './cliHarness';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'spire-shard-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const run = (argv: string[]): Promise<CliRun> => runCli(argv, { cwd: tmp, workerPath: join(tmp, 'no-worker.js') });

/** A folder of `names` (empty files: planTargets reads no pixels). */
async function folder(name: string, names: string[]): Promise<string> {
  await mkdir(join(tmp, name), { recursive: true });
  for (const n of names) await writeFile(join(tmp, name, n), '');
  return name;
}

describe('shardOf', () => {
  const files = ['e.png', 'a.png', 'd.png', 'c.png', 'b.png', 'g.png', 'f.png'];
  it.each([
    [1, 3, ['a.png', 'd.png', 'g.png']],
    [2, 3, ['b.png', 'e.png']],
    [3, 3, ['c.png', 'f.png']],
    [1, 1, ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png', 'g.png']],
    [8, 8, []],
  ])('share %i of %i -> %j', (i, n, expected) => {
    expect(shardOf(files, i, n)).toEqual(expected);
  });

  it('the shares are disjoint, cover every input, and do not depend on the given order', () => {
    const many = Array.from({ length: 23 }, (_, k) => `/photos/${String(k).padStart(3, '0')}.jpg`);
    const shuffled = [...many].reverse();
    for (const n of [1, 2, 5, 23, 30]) {
      const shares = Array.from({ length: n }, (_, i) => shardOf(many, i + 1, n));
      expect(shares.flat().sort()).toEqual(many);
      expect(Math.max(...shares.map((s) => s.length)) - Math.min(...shares.map((s) => s.length))).toBeLessThanOrEqual(1);
      for (let i = 0; i < n; i++) expect(shardOf(shuffled, i + 1, n)).toEqual(shares[i]);
    }
  });
});

describe('--shard i/n', () => {
  it.each(['0/4', '5/4', '1/0', '2', '1/2/3', 'a/b', '-1/4', '1.5/4', '', '1/100001'])('refuses %j', (text) => {
    expect(() => parseShard(text)).toThrow(/--shard takes i\/n/);
  });
  it('takes i/n with 1 <= i <= n', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
  });

  it('plans the same partition whatever the order of the inputs, writing where the whole run would', async () => {
    await folder('a', ['3.png', '1.png']);
    await folder('b', ['2.png', '4.png', '5.png']);
    const plan = async (inputs: string[], index: number) =>
      (await planTargets({ inputs, output: 'out/', folderFormat: 'png', force: false, shard: { index, count: 2 } }, tmp)).map((t) => t.output.slice(tmp.length + 1));
    expect(await plan(['a', 'b'], 1)).toEqual(['out/1.png', 'out/2.png', 'out/5.png']);
    expect(await plan(['b', 'a'], 1)).toEqual(['out/1.png', 'out/2.png', 'out/5.png']);
    expect(await plan(['b', 'a'], 2)).toEqual(['out/3.png', 'out/4.png']);
  });

  it('a bad value is a usage error (exit 2); an empty share exits 0 and says so', async () => {
    await folder('in', ['one.png', 'two.png']);
    const bad = await run(['restore', 'in', '-o', 'out/', '--shard', '3/2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard takes i\/n .* got "3\/2"/);
    const empty = await run(['restore', 'in', '-o', 'out/', '--shard', '3/3', '--json']);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toMatch(/shard 3\/3: 0 of 2 inputs, nothing to do in this share\./);
    expect(empty.stdout).toBe('');
  });
});

describe('--restore in plain words', () => {
  it('is read as canonical grammar text before anything else sees it', () => {
    const args = parseRestoreArgs(['in.png', '-o', 'o.png', '--restore', 'sharpen a little and upscale 2x'], {});
    if (args === 'help') throw new Error('help');
    expect(args.params.restorationPrompt).toBe('Deblur with sigma 0.8; Upsample to 2.0x;');
    expect(args.understood).toBe('understood "sharpen a little and upscale 2x" as "Deblur with sigma 0.8; Upsample to 2.0x;"');
    const grammar = parseRestoreArgs(['in.png', '-o', 'o.png', '--restore', 'Deblur;'], {});
    if (grammar === 'help') throw new Error('help');
    expect(grammar.understood).toBeNull();
  });

  it('goes with --upsample like grammar text', () => {
    const args = parseRestoreArgs(['in.png', '-o', 'o.png', '--restore', 'remove grain', '--upsample', '4'], {});
    if (args === 'help') throw new Error('help');
    expect(args.params.restorationPrompt).toBe('Upsample to 4.0x; Denoise;');
  });

  it('prints what it understood on stderr; words it cannot map are exit 2 with suggestions', async () => {
    await writeFile(join(tmp, 'in.png'), '');
    const ok = await run(['restore', 'in.png', '-o', 'o.png', '--restore', 'fix jpeg', '--model', join(tmp, 'no-pack')]);
    expect(ok.stderr).toMatch(/^understood "fix jpeg" as "Dejpeg;"$/m);
    const bad = await run(['restore', 'in.png', '-o', 'o.png', '--restore', 'make it pretty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown operation 'make'.*or in plain words, e\.g\. 'sharpen a little'/);
  });
});
