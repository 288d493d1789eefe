// Each tiny random pack's tokenizer folder, loaded by the TypeScript tokenizer, must give the
// input ids the reference sampler stored in the pack's goldens (test/fixtures/packs/*/golden).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIPTokenizer } from '../../../../../main/engine/tokenizer/CLIPTokenizer';
import { goldenRuns, packsDir, packsWithGoldens } from '../packGoldens';

interface Ref {
  file: string;
  dtype: string;
  shape: number[];
}
interface Run {
  name: string;
  semanticPrompt: string;
  negativePrompt: string;
  restorationPrompt: string;
  inputIds: Record<'semantic' | 'negative' | 'restoration', Ref>;
}

const packs = packsWithGoldens(path.join('tokenizer', 'vocab.json'));

function readIds(dir: string, ref: Ref): number[][] {
  expect(ref.dtype).toBe('int64');
  const buf = readFileSync(path.join(dir, ref.file));
  const flat = Array.from({ length: buf.length / 8 }, (_, i) => Number(buf.readBigInt64LE(i * 8)));
  const [rows, cols] = ref.shape as [number, number];
  return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
}

describe('pack tokenizers reproduce the stored input ids', () => {
  it.each(goldenRuns<Run>(packs))('%s', async (_label, pack, golden, run) => {
    const tok = await CLIPTokenizer.fromPretrained(path.join(packsDir, pack, 'tokenizer'));
    const prompts = { semantic: run.semanticPrompt, negative: run.negativePrompt, restoration: run.restorationPrompt };
    for (const key of ['semantic', 'negative', 'restoration'] as const) {
      const expected = readIds(golden, run.inputIds[key]);
      // Default length: model_max_length from the pack's tokenizer_config.json.
      expect(tok.batchEncode([prompts[key]]).inputIds, key).toEqual(expected);
    }
  });
});
