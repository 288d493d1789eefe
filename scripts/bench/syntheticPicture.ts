// The bench cases' input when they need no real photo: smooth, deterministic, any size.
import type { RgbImage } from '../../main/engine/pipeline/types';

/** A smooth synthetic picture (gradients, waves, a soft blob), HWC [0, 1]. */
export function syntheticPicture(width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  const colWave = Float32Array.from({ length: width }, (_, x) => Math.sin((9 * x) / width));
  const rowWave = Float32Array.from({ length: height }, (_, y) => Math.cos((7 * y) / height));
  for (let y = 0; y < height; y++) {
    const yy = y / height;
    for (let x = 0; x < width; x++) {
      const xx = x / width;
      const i = (y * width + x) * 3;
      data[i] = 0.5 + 0.35 * colWave[x]! * rowWave[y]!;
      data[i + 1] = 0.2 + 0.6 * xx;
      data[i + 2] = 0.3 + 0.5 * Math.exp(-((xx - 0.3) ** 2 + (yy - 0.5) ** 2) / 0.05);
    }
  }
  return { width, height, data };
}
