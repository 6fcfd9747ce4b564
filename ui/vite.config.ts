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
    // Two pages: the command center, and the briefing screen (which loads no operator code).
    rollupOptions: { input: { main: 'index.html', briefing: 'briefing.html' } },
  },
  server: { port: 5173, strictPort: true, proxy: { '/api': 'http://127.0.0.1:8730' } },
});
