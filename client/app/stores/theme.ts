import { create } from "zustand";

/**
 * Light or dark: a device preference, not app data, so it lives in this browser's
 * localStorage. "system" follows `prefers-color-scheme` live; the resolved theme is set as
 * `data-theme` on <html>, which selects the palette in styles.css.
 */
export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const KEY = "autopilot.theme";
const CHOICES: readonly ThemeChoice[] = ["system", "light", "dark"];

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return CHOICES.includes(value as ThemeChoice) ? (value as ThemeChoice) : "system";
  } catch {
    return "system";
  }
}

const lightQuery = () => (typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: light)") : null);

const resolve = (choice: ThemeChoice): Theme =>
  choice === "system" ? (lightQuery()?.matches ? "light" : "dark") : choice;

function apply(theme: Theme) {
  document.documentElement.dataset.theme = theme;
}

interface ThemeStore {
  choice: ThemeChoice;
  theme: Theme;
  setChoice(choice: ThemeChoice): void;
}

export const useTheme = create<ThemeStore>((set) => {
  const choice = stored();
  const theme = resolve(choice);
  apply(theme);
  // The system switching (e.g. at sunset) re-resolves "system" at once.
  lightQuery()?.addEventListener("change", () => {
    const current = useTheme.getState();
    if (current.choice !== "system") return;
    const next = resolve("system");
    apply(next);
    set({ theme: next });
  });
  return {
    choice,
    theme,
    setChoice(next) {
      try {
        if (next === "system") localStorage.removeItem(KEY);
        else localStorage.setItem(KEY, next);
      } catch {
        // Storage refused (private mode): the choice still holds for this tab.
      }
      const resolved = resolve(next);
      apply(resolved);
      set({ choice: next, theme: resolved });
    },
  };
});
