/**
 * The open dialog as a port: the IPC handlers ask "which image?" and get a
 * path the user chose (or null). Electron's dialog implements it in the app
 * (electronDialog.ts); tests and the e2e harness pass a fake.
 */
export interface DialogPort {
  /** Shows an "open image" dialog; resolves to the chosen file's path, or null when the user cancelled. */
  chooseImageFile(): Promise<string | null>;
}

/** File-type filter the dialog offers (extensions without dots). */
export const IMAGE_FILE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff'];
