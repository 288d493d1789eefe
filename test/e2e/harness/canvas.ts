/** Reads what the renderer drew: pixels of the canvases inside [data-testid=canvas-stage]. */
import type { Page } from 'playwright-core';

// The callback below runs in the page; these minimal shapes stand in for the DOM types (this file is type-checked as Node code).
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface DocumentLike {
  querySelectorAll(selector: string): ArrayLike<CanvasLike>;
}

/** How many sampled canvas pixels are within `tolerance` of each colour. */
export async function countColours(page: Page, colours: Record<string, readonly number[]>, tolerance = 24): Promise<Record<string, number>> {
  return page.evaluate(
    ({ colours, tolerance }) => {
      const counts: Record<string, number> = Object.fromEntries(Object.keys(colours).map((k) => [k, 0]));
      const doc = (globalThis as unknown as { document: DocumentLike }).document;
      const canvases = Array.from(doc.querySelectorAll('[data-testid="canvas-stage"] canvas'));
      for (const canvas of canvases) {
        const ctx = canvas.getContext('2d');
        if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        // Sample every 4th pixel of every 4th row: plenty for flat colour areas.
        for (let y = 0; y < canvas.height; y += 4) {
          for (let x = 0; x < canvas.width; x += 4) {
            const i = (y * canvas.width + x) * 4;
            for (const [name, c] of Object.entries(colours)) {
              if (Math.abs(data[i]! - c[0]!) <= tolerance && Math.abs(data[i + 1]! - c[1]!) <= tolerance && Math.abs(data[i + 2]! - c[2]!) <= tolerance) {
                counts[name]! += 1;
              }
            }
          }
        }
      }
      return counts;
    },
    { colours, tolerance },
  );
}
