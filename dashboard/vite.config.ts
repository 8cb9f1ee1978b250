/**
 * Builds the web dashboard into dist/dashboard/ (served by the supervisor). `npm run dev:dashboard`
 * serves it with live reload and forwards socket.io to a running supervisor (`npm start`; another
 * one with WORKTY_DASHBOARD_PROXY=https://host:port).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    // The supervisor's Content-Security-Policy allows no inline script or style.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: {
      '/socket.io': { target: process.env.WORKTY_DASHBOARD_PROXY ?? 'https://localhost:3000', ws: true, secure: false, changeOrigin: true },
    },
  },
});
