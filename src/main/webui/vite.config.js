import { defineConfig, searchForWorkspaceRoot } from 'vite';
import react from '@vitejs/plugin-react';

// In Quarkus dev mode, Quinoa runs this dev server (npm run dev) and the browser talks to Quarkus, which forwards the
// UI to Vite. Running `npm run dev` or `vite preview` alone, the proxy sends the API and the room sockets to a Quarkus
// at API_URL (http://localhost:8080 unless set).
const api = process.env.API_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    // The room client is a package of its own beside the app (src/clients/replicache-room), linked into node_modules:
    // the dev server may serve its files too.
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), '../../clients/replicache-room'] },
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: api, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: api, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: true,
  },
});
