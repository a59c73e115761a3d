import { createContext, useContext } from 'react';

/** Opens the settings dialog; ChatView provides it to what it shows (a failed answer's "Settings"). */
export const OpenSettings = createContext<() => void>(() => {});
export const useOpenSettings = (): (() => void) => useContext(OpenSettings);
