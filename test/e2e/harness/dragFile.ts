// Drops a file on the editor the way a user's drag does: DragEvents of the given types on the page's body,
// each carrying one File in its DataTransfer (the renderer only ever sees the bytes).
import type { Page } from 'playwright-core';

export interface DraggedFile {
  data: number[];
  name: string;
  type: string;
}

/** Dispatches drag events `types` (e.g. dragenter, dragover, drop) on the page's body, carrying `file`. */
export async function dragFile(page: Page, file: DraggedFile, types: readonly string[]): Promise<void> {
  await dragFiles(page, [file], types);
}

/** The same with several files in one DataTransfer (a drop of several photos at once). */
export async function dragFiles(page: Page, files: readonly DraggedFile[], types: readonly string[]): Promise<void> {
  await page.evaluate(
    ({ files, types }) => {
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        File: new (parts: unknown[], name: string, opts: { type: string }) => unknown;
        DragEvent: new (type: string, init: Record<string, unknown>) => unknown;
        document: { body: { dispatchEvent(e: unknown): boolean } };
      };
      const dt = new g.DataTransfer();
      for (const file of files) dt.items.add(new g.File([new Uint8Array(file.data)], file.name, { type: file.type }));
      for (const type of types) g.document.body.dispatchEvent(new g.DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { files: [...files], types: [...types] },
  );
}
