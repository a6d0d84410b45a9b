// Bundles the app into dist/ with esbuild: dist/index.html, dist/config.json, dist/assets/main.js.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
cpSync('public', 'dist', { recursive: true });
const result = await esbuild.build({
  entryPoints: ['src/main.tsx'],
  outdir: 'dist/assets',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  sourcemap: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`Built dist/ (${Math.round(bytes / 1024)} KiB)`);
