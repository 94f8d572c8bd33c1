/// <reference types="vite/client" />
// Vite's ambient types: CSS imports (main.tsx) and import.meta.env.
