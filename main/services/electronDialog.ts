/** DialogPort over Electron's native open dialog, attached to the app window. */
import { dialog, type BrowserWindow } from 'electron';
import { IMAGE_FILE_EXTENSIONS, type DialogPort } from './dialogPort';

export function electronDialog(getWindow: () => BrowserWindow | null): DialogPort {
  return {
    async chooseImageFile() {
      const options: Electron.OpenDialogOptions = {
        title: 'Open a photo',
        properties: ['openFile'],
        filters: [
          { name: 'Images', extensions: IMAGE_FILE_EXTENSIONS },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const win = getWindow();
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  };
}
