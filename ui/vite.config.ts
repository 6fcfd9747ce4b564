import { defineConfig } from 'vite';

// One build for both shells: relative asset paths work under tauri://localhost and under
// `onemap serve`. Nothing is fetched from another origin.
export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    assetsInlineLimit: 0,
  },
  server: { port: 5173, strictPort: true, proxy: { '/api': 'http://127.0.0.1:8730' } },
});
