/**
 * The OS dialogs as a port: the IPC handlers ask "which image?", "save where?",
 * "which pack folder?", "which model to import?" and get a path the user chose (or null). Electron's
 * dialog implements it in the app (electronDialog.ts); tests and the e2e harness
 * pass a fake. Paths only ever come from here, never from the renderer.
 */
import type { ExportFormat } from '../../preload/contract/channels';

export interface SaveDialogOptions {
  title: string;
  /** Suggested file name, with the format's extension. */
  defaultName: string;
  format: ExportFormat;
}

export interface DialogPort {
  /** Shows an "open image" dialog; resolves to the chosen file's path, or null when the user cancelled. */
  chooseImageFile(): Promise<string | null>;
  /** Batch: an "open images" dialog that takes several files; resolves to their paths, or null when cancelled. */
  chooseImageFiles(): Promise<string[] | null>;
  /**
   * Shows a "save" dialog; resolves to the chosen path, or null when the user cancelled. The dialog
   * itself asks before replacing an existing file, so the caller may replace the file it returns.
   */
  chooseSaveFile(options: SaveDialogOptions): Promise<string | null>;
  /** Shows a folder chooser; resolves to the chosen folder, or null when the user cancelled. */
  chooseFolder(title: string): Promise<string | null>;
  /**
   * "Import Stable Diffusion model": a `.safetensors` / `.ckpt` file, or a folder (diffusers layout or an ONNX
   * export). Two dialogs, because Windows and Linux cannot show one that picks either. Null when cancelled.
   */
  chooseModelSource(kind: 'file' | 'folder'): Promise<string | null>;
}

/** Single-file checkpoints the import dialog offers (extensions without dots). */
export const MODEL_FILE_EXTENSIONS = ['safetensors', 'ckpt'];

/** File-type filter the dialog offers (extensions without dots). */
export const IMAGE_FILE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff'];

/** Extensions per export format, the first one is what a new name gets. */
export const EXPORT_EXTENSIONS: Record<ExportFormat, string[]> = {
  png: ['png'],
  jpeg: ['jpg', 'jpeg'],
  webp: ['webp'],
  tiff: ['tif', 'tiff'],
};

export const EXPORT_FORMAT_NAMES: Record<ExportFormat, string> = { png: 'PNG image', jpeg: 'JPEG image', webp: 'WebP image', tiff: 'TIFF image' };
