import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built once into dist/ and served by @flowline/server as static files; the server never runs Vite.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/ajax-api': 'http://127.0.0.1:5000', '/get-artifact': 'http://127.0.0.1:5000' } },
});
