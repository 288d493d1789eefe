/**
 * Choosing which dropped (or pasted) file to open, and saying plainly why nothing
 * opens. Pure: works on anything shaped like a File, so the tests run in Node.
 *
 * The renderer only pre-checks what it can see (is it an image, is it empty, is it too
 * big to send); main decodes the bytes and has the last word.
 */
import type { IpcError } from '../../../preload/contract/channels';

/** The parts of a DOM File this module looks at. */
export interface FileLike {
  name: string;
  /** MIME type as the OS reported it; often empty for unusual extensions. */
  type: string;
  size: number;
}

/**
 * Largest file a drop or paste may send over IPC. Mirrors MAX_IMAGE_BYTES in
 * preload/contract/schemas.ts (not imported: that module brings zod into the renderer).
 */
export const MAX_DROP_BYTES = 256 * 1024 * 1024;

/** Extensions taken for images when the OS gave no MIME type. Main decides what it can decode. */
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'jfif', 'webp', 'tif', 'tiff', 'bmp', 'gif', 'avif', 'heic', 'heif'];

export type PickResult<F extends FileLike> =
  | { ok: true; file: F; /** Other files in the drop that were left alone. */ ignored: number }
  | { ok: false; error: IpcError };

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function looksLikeImage(file: FileLike): boolean {
  if (file.type) return file.type.startsWith('image/');
  return IMAGE_EXTENSIONS.includes(extensionOf(file.name));
}

function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** The first image among `files`, or an error that says what to do instead. */
export function pickImageFile<F extends FileLike>(files: readonly F[]): PickResult<F> {
  if (files.length === 0) {
    return { ok: false, error: { code: 'no-file', message: 'Nothing to open was dropped. Drop a photo file (PNG, JPEG, WebP or TIFF).' } };
  }
  const file = files.find(looksLikeImage);
  if (!file) {
    const first = files[0]!;
    const what = files.length === 1 ? `“${first.name}” is not an image` : `None of the ${files.length} dropped files is an image`;
    return { ok: false, error: { code: 'not-an-image', message: `${what}. Drop a photo file (PNG, JPEG, WebP or TIFF).` } };
  }
  if (file.size === 0) {
    return { ok: false, error: { code: 'empty-file', message: `“${file.name}” is empty (0 bytes). Choose another copy of the photo.` } };
  }
  if (file.size > MAX_DROP_BYTES) {
    return {
      ok: false,
      error: {
        code: 'too-large',
        message: `“${file.name}” is ${formatMegabytes(file.size)}, more than the ${formatMegabytes(MAX_DROP_BYTES)} a dropped or pasted file may be. Open it with Open… instead.`,
      },
    };
  }
  return { ok: true, file, ignored: files.length - 1 };
}

/** True when a drag carries files from the OS (not text or a link dragged inside the page). */
export function isFileDrag(types: readonly string[] | null | undefined): boolean {
  return !!types && types.includes('Files');
}

const EXTENSION_FOR_MIME: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/tiff': 'tif',
  'image/avif': 'avif',
};

/**
 * The name a file gets when it is sent to main: a pasted screenshot often has no name
 * (or the generic `image.png`), and main wants a plain file name, never a path.
 */
export function fileNameForUpload(file: FileLike): string {
  const base = file.name.split(/[\\/]/).pop()?.replace(/\0/g, '').trim() ?? '';
  if (base) return base.length <= 255 ? base : base.slice(base.length - 255);
  const ext = EXTENSION_FOR_MIME[file.type] ?? 'png';
  return `Pasted image.${ext}`;
}
