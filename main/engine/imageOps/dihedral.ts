/**
 * The eight symmetries of the square on [N, C, H, W] tensors, for the restorer's self-ensemble:
 * run a model on turned and mirrored views of an image, turn each result back, average.
 *
 * View v in 0..7: k = v % 4 quarter turns (numpy's rot90 on the (H, W) plane: counter-clockwise,
 * out[i][j] = in[j][W - 1 - i], so H and W swap when k is odd), then, when v >= 4, a mirror
 * along W (out[i][j] = in[i][W - 1 - j]). `undoView(applyView(x, v), v)` is x.
 *
 * viewsOf(n) picks which views: 1 -> [0]; 2 -> the image and its mirror; 4 -> also the two
 * half turns (none of these swap H and W); 8 -> all eight.
 */
import type { RestorerViews } from '../../../common/runSettings';
import type { Tensor } from '../tensor/tensor';

const VIEWS: Record<RestorerViews, readonly number[]> = { 1: [0], 2: [0, 4], 4: [0, 4, 2, 6], 8: [0, 1, 2, 3, 4, 5, 6, 7] };

export function viewsOf(count: RestorerViews): readonly number[] {
  const views = VIEWS[count];
  if (!views) throw new Error(`The restorer's views must be 1, 2, 4 or 8, got ${String(count)}.`);
  return views;
}

function planes(t: Tensor): [number, number, number] {
  if (t.dims.length < 2) throw new Error(`A view needs a tensor with at least 2 dims, got [${t.dims.join(', ')}].`);
  const H = t.dims[t.dims.length - 2] as number;
  const W = t.dims[t.dims.length - 1] as number;
  return [t.data.length / (H * W), H, W];
}

/** One counter-clockwise quarter turn of every [H, W] plane: [..., H, W] -> [..., W, H]. */
function rot90(t: Tensor): Tensor {
  const [P, H, W] = planes(t);
  const out = new Float32Array(t.data.length);
  for (let p = 0; p < P; p++) {
    const src = p * H * W;
    for (let i = 0; i < W; i++) {
      const row = src + (W - 1 - i);
      const dst = src + i * H;
      for (let j = 0; j < H; j++) out[dst + j] = t.data[row + j * W] as number;
    }
  }
  return { data: out, dims: [...t.dims.slice(0, -2), W, H] };
}

/** Mirror every [H, W] plane along W. */
function mirror(t: Tensor): Tensor {
  const [P, H, W] = planes(t);
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < P * H; r++) {
    const base = r * W;
    for (let j = 0; j < W; j++) out[base + j] = t.data[base + W - 1 - j] as number;
  }
  return { data: out, dims: t.dims };
}

function turn(t: Tensor, quarterTurns: number): Tensor {
  let out = t;
  for (let k = 0; k < ((quarterTurns % 4) + 4) % 4; k++) out = rot90(out);
  return out;
}

/** View v (0..7) of t: v % 4 quarter turns, then a mirror when v >= 4. */
export function applyView(t: Tensor, view: number): Tensor {
  const turned = turn(t, view % 4);
  return view >= 4 ? mirror(turned) : turned;
}

/** The inverse of applyView: mirror back, then turn the other way. */
export function undoView(t: Tensor, view: number): Tensor {
  return turn(view >= 4 ? mirror(t) : t, 4 - (view % 4));
}

/**
 * mean over views v of undoView(run(applyView(x, v)), v). `run` must map [..., H, W] to the same
 * size (the restorer does); one view runs `run(x)` itself.
 */
export async function averageOverViews(x: Tensor, views: readonly number[], run: (view: Tensor) => Promise<Tensor>): Promise<Tensor> {
  if (views.length === 1 && views[0] === 0) return run(x);
  let sum: Float32Array | null = null;
  let dims: readonly number[] = x.dims;
  for (const v of views) {
    const out = undoView(await run(applyView(x, v)), v);
    if (sum === null) {
      sum = new Float32Array(out.data);
      dims = out.dims;
    } else {
      if (out.data.length !== sum.length) throw new Error(`View ${v} gave ${out.data.length} values, the first gave ${sum.length}.`);
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (out.data[i] as number);
    }
  }
  const n = views.length;
  const mean = sum as Float32Array;
  for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) / n;
  return { data: mean, dims };
}
