// Vite + Vitest configuration for the Tauri UI. The production build is what
// the app embeds (tauri.conf.json: frontendDist = ../ui/dist) under a strict
// CSP, so it must emit no inline script or style.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

const tauriDebug = Boolean(process.env['TAURI_ENV_DEBUG']);

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  // Keep Rust compiler output visible when run from the Tauri CLI.
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**', '**/target/**'] },
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    // WebKitGTK on Linux; Safari 13 is the oldest engine Tauri 2 supports.
    target: ['es2021', 'safari13'],
    outDir: 'dist',
    emptyOutDir: true,
    minify: tauriDebug ? false : 'esbuild',
    sourcemap: tauriDebug,
    // Inlined assets would become data: URLs; keep every asset a file.
    assetsInlineLimit: 0,
    // All the CSS in one stylesheet, which index.html loads before the
    // first paint. Split per chunk, a lazily loaded view's stylesheet came
    // with its `import()`, and a view was once seen drawn before its sheet
    // applied: the long conversation laid out unbounded (BENCHMARKS.md,
    // "The page hang", sessions 15-16). One sheet leaves no such race.
    cssCodeSplit: false,
    // The reply renderer (markdown-it, KaTeX, highlight.js, DOMPurify) is one
    // lazily loaded chunk of ~750 KB, fetched from disk after sign-in; the
    // startup chunk stays small.
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
