/**
 * The application menu of a packaged build: the usual File / Edit / View / Window menus by role,
 * with no Toggle Developer Tools, Reload or Force Reload (Electron's default menu and its `viewMenu`
 * role have all three). A build from source keeps Electron's default menu, DevTools included.
 *
 * Pure (no `electron` import): main/index.ts passes the template to Menu.buildFromTemplate, and
 * tests read it as it is.
 */

/** The part of Electron's MenuItemConstructorOptions this menu uses. */
export interface MenuTemplateItem {
  role?: string;
  label?: string;
  type?: 'separator' | 'submenu';
  submenu?: MenuTemplateItem[];
}

/** Roles a packaged build's menu must never hold: they open DevTools or reload the page. */
export const FORBIDDEN_MENU_ROLES = ['toggleDevTools', 'viewMenu', 'reload', 'forceReload'] as const;

export function packagedMenuTemplate(platform: NodeJS.Platform): MenuTemplateItem[] {
  const view: MenuTemplateItem = {
    label: 'View',
    submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
  };
  // macOS's app menu (About, Services, Hide, Quit) and Edit menu carry the standard shortcuts
  // (copy and paste in text fields need the Edit menu there).
  if (platform === 'darwin') return [{ role: 'appMenu' }, { role: 'editMenu' }, view, { role: 'windowMenu' }];
  return [{ role: 'fileMenu' }, { role: 'editMenu' }, view, { role: 'windowMenu' }];
}

/** Every role anywhere in a template (to check that none is forbidden). */
export function menuRoles(items: readonly MenuTemplateItem[]): string[] {
  return items.flatMap((item) => [...(item.role ? [item.role] : []), ...menuRoles(item.submenu ?? [])]);
}
