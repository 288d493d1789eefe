/**
 * Errors of image reading and writing. Each has a stable `code` (the CLI maps
 * them to exit codes, the app to messages) and a message that says what to do.
 */

export type ImageReadErrorCode =
  | 'image-missing'
  | 'image-unreadable'
  | 'image-empty'
  | 'image-file-too-large'
  | 'image-not-an-image'
  | 'image-unsupported'
  | 'image-truncated'
  | 'image-corrupt'
  | 'image-too-many-pixels'
  | 'image-too-much-memory';

export class ImageReadError extends Error {
  constructor(
    readonly code: ImageReadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImageReadError';
  }
}

export type ImageWriteErrorCode =
  | 'output-exists'
  | 'output-unsupported'
  | 'output-disk-full'
  | 'output-read-only'
  | 'output-no-folder'
  | 'output-invalid'
  | 'output-failed';

export class ImageWriteError extends Error {
  constructor(
    readonly code: ImageWriteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImageWriteError';
  }
}
