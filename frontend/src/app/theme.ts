// The colour theme: the system's, or light or dark whatever the system says.
// Chosen in Settings and remembered in this browser (localStorage); the
// stylesheet reads <html data-theme>, and without it follows the system.

export type Theme = 'system' | 'light' | 'dark';

export const THEME_KEY = 'hearth.theme';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: the theme lasts for this page only
  }
}

export function savedTheme(): Theme {
  const t = storage()?.getItem(THEME_KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function applyTheme(t: Theme, root: HTMLElement = document.documentElement): void {
  if (t === 'system') delete root.dataset.theme;
  else root.dataset.theme = t;
}

export function saveTheme(t: Theme): void {
  try {
    if (t === 'system') storage()?.removeItem(THEME_KEY);
    else storage()?.setItem(THEME_KEY, t);
  } catch {
    // full or disabled: applied all the same
  }
  applyTheme(t);
}
