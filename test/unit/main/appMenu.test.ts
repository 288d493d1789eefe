/** The packaged build's menu: the usual menus, and nothing that opens DevTools or reloads the page. */
import { describe, expect, it } from 'vitest';
import { FORBIDDEN_MENU_ROLES, menuRoles, packagedMenuTemplate } from '../../../main/appMenu';

describe('packagedMenuTemplate', () => {
  it.each(['linux', 'win32', 'darwin'] as const)('%s: no DevTools, no reload, anywhere in the menu', (platform) => {
    const roles = menuRoles(packagedMenuTemplate(platform));
    for (const role of FORBIDDEN_MENU_ROLES) expect(roles).not.toContain(role);
    expect(FORBIDDEN_MENU_ROLES).toContain('toggleDevTools');
    expect(roles).toEqual(expect.arrayContaining(['editMenu', 'windowMenu', 'zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen']));
  });

  it('macOS gets its app menu; other platforms a File menu', () => {
    expect(menuRoles(packagedMenuTemplate('darwin'))[0]).toBe('appMenu');
    expect(menuRoles(packagedMenuTemplate('linux'))[0]).toBe('fileMenu');
    expect(menuRoles(packagedMenuTemplate('win32'))).not.toContain('appMenu');
  });

  it('menuRoles finds a role however deep it is (so the check above can fail)', () => {
    expect(menuRoles([{ label: 'Help', submenu: [{ label: 'More', submenu: [{ role: 'toggleDevTools' }] }] }])).toEqual(['toggleDevTools']);
  });
});
