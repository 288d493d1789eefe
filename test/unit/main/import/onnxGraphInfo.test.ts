import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSession } from '../../../../main/engine/onnx/runtime';
import { readGraphInfo } from '../../../../main/import/onnxGraphInfo';
import { interfaceModel } from '../engine/tinyOnnx';
import { TINY_RANDOM } from './fakeExport';

const dir = await mkdtemp(join(tmpdir(), 'spire-graphinfo-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readGraphInfo', () => {
  it.each(['text_encoder', 'unet', 'vae_encoder', 'vae_decoder', 'adaptor', 'restorer', 'estimator'])(
    'reads the interface onnxruntime reads for tiny-random %s (a torch export)',
    async (component) => {
      const path = join(TINY_RANDOM, component, 'model.onnx');
      const info = await readGraphInfo(path);
      const { session } = await openSession(path);
      try {
        expect(info.inputs).toEqual(session.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] })));
        // Outputs: onnxruntime reports sizes its shape inference found where the file names a symbol
        // (torch's "LayerNormalizationlast_hidden_state_dim_1"); where both give a number they agree.
        expect(info.outputs.map((v) => [v.name, v.dtype, v.shape.length])).toEqual(session.outputs.map((v) => [v.name, v.dtype, v.shape.length]));
        info.outputs.forEach((v, i) =>
          v.shape.forEach((d, k) => {
            const ort = session.outputs[i]!.shape[k];
            if (typeof d === 'number' && typeof ort === 'number') expect(d).toBe(ort);
          }),
        );
      } finally {
        await session.release();
      }
      expect(info.irVersion).toBeGreaterThan(0);
      expect(info.opset).toBe(17);
      expect(info.externalFiles).toEqual([]);
    },
  );

  it('reads symbolic and fixed dims, element types and external data locations', async () => {
    const path = join(dir, 'model.onnx');
    await writeFile(
      path,
      interfaceModel(
        [
          { name: 'input_ids', elemType: 6, dims: ['batch_size', 77] },
          { name: 'timestep', elemType: 7, dims: ['steps'] },
        ],
        [{ name: 'out', elemType: 10, dims: ['batch_size', 77, 768] }],
        [{ name: 'w', location: 'model.onnx_data' }, { name: 'b' }],
      ),
    );
    const info = await readGraphInfo(path);
    expect(info.inputs).toEqual([
      { name: 'input_ids', dtype: 'int32', shape: ['batch_size', 77] },
      { name: 'timestep', dtype: 'int64', shape: ['steps'] },
    ]);
    expect(info.outputs).toEqual([{ name: 'out', dtype: 'float16', shape: ['batch_size', 77, 768] }]);
    expect(info.externalFiles).toEqual(['model.onnx_data']);
  });

  it('refuses a file that is not an ONNX model', async () => {
    const path = join(dir, 'not.onnx');
    await writeFile(path, 'hello, this is text');
    await expect(readGraphInfo(path)).rejects.toThrow();
  });
});
