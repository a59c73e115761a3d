/// <reference types="vitest/config" />
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// Vite empties dist/ before a build; the Go side needs the committed
// dist/.gitkeep so that `go build` works without npm. Put it back.
function keepGitkeep(): Plugin {
  return {
    name: 'hearth-keep-gitkeep',
    apply: 'build',
    closeBundle() {
      writeFileSync(fileURLToPath(new URL('./dist/.gitkeep', import.meta.url)), '');
    },
  };
}

// A strict Content-Security-Policy for the built page (the dev server needs
// inline scripts, so only on build). The desktop window has another origin
// than the server, hence the loopback sources.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: http://127.0.0.1:* http://localhost:*",
  "media-src 'self' blob: http://127.0.0.1:* http://localhost:*",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss: http://127.0.0.1:* http://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
].join('; ');

function csp(): Plugin {
  return {
    name: 'hearth-csp',
    apply: 'build',
    transformIndexHtml(html) {
      return html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`);
    },
  };
}

// `npm run dev` talks to a running `hearth serve` (HEARTH_DEV_SERVER, default
// http://127.0.0.1:8765) through Vite's proxy; open http://localhost:5173/#token=TOKEN.
const devServer = process.env.HEARTH_DEV_SERVER ?? 'http://127.0.0.1:8765';
const proxy = { target: devServer, changeOrigin: true, headers: { Origin: devServer } };

// KaTeX's stylesheet offers each font as woff2, woff and ttf; every browser
// engine Hearth runs in reads woff2, so the other two are left out of dist.
function katexWoff2Only(): Plugin {
  return {
    name: 'hearth-katex-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/katex(\.min)?\.css$/.test(id)) return null;
      return code.replace(/,\s*url\([^)]*\.woff\)\s*format\("woff"\)/g, '').replace(/,\s*url\([^)]*\.ttf\)\s*format\("truetype"\)/g, '');
    },
  };
}

export default defineConfig({
  base: './',
  server: {
    proxy: {
      '/ws': { ...proxy, ws: true },
      '/api': proxy,
      '/media': proxy,
    },
  },
  plugins: [katexWoff2Only(), react(), csp(), keepGitkeep()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
