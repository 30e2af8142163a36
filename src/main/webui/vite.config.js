import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In Quarkus dev mode, Quinoa runs this dev server and the browser talks to Quarkus (port 8080), which forwards the
// UI to Vite. Running `npm run dev` alone, the proxy sends the API and the room sockets to a Quarkus on port 8080.
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: 'http://localhost:8080', ws: true },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: true,
  },
});
