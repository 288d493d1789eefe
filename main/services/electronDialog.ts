/** DialogPort over Electron's native dialogs, attached to the app window. */
import { dialog, type BrowserWindow } from 'electron';
import { EXPORT_EXTENSIONS, EXPORT_FORMAT_NAMES, IMAGE_FILE_EXTENSIONS, MODEL_FILE_EXTENSIONS, type DialogPort } from './dialogPort';

export function electronDialog(getWindow: () => BrowserWindow | null): DialogPort {
  const open = async (options: Electron.OpenDialogOptions): Promise<string | null> => {
    const win = getWindow();
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  return {
    chooseImageFile: () =>
      open({
        title: 'Open a photo',
        properties: ['openFile'],
        filters: [
          { name: 'Images', extensions: IMAGE_FILE_EXTENSIONS },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    async chooseImageFiles() {
      const options: Electron.OpenDialogOptions = {
        title: 'Add photos to the batch',
        properties: ['openFile', 'multiSelections'],
        filters: [
          { name: 'Images', extensions: IMAGE_FILE_EXTENSIONS },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const win = getWindow();
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths;
    },
    chooseFolder: (title) => open({ title, properties: ['openDirectory', 'createDirectory'] }),
    chooseModelSource: (kind) =>
      kind === 'file'
        ? open({
            title: 'Import a Stable Diffusion 1.5 checkpoint',
            properties: ['openFile'],
            filters: [
              { name: 'Checkpoints', extensions: MODEL_FILE_EXTENSIONS },
              { name: 'All files', extensions: ['*'] },
            ],
          })
        : open({ title: 'Import a Stable Diffusion 1.5 folder (diffusers or ONNX export)', properties: ['openDirectory'] }),
    async chooseSaveFile({ title, defaultName, format }) {
      const options: Electron.SaveDialogOptions = {
        title,
        defaultPath: defaultName,
        filters: [{ name: EXPORT_FORMAT_NAMES[format], extensions: EXPORT_EXTENSIONS[format] }],
        // Linux asks before replacing only when told to; macOS and Windows always ask.
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      };
      const win = getWindow();
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
  };
}
