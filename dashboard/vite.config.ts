import { defineConfig } from "vite";

// The dashboard is served by vmorph serve at "/": index.html for every client route, hashed files under /assets/.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` next to a running `vmorph serve` (default address): the API is proxied to it.
    proxy: { "/api": "http://127.0.0.1:8787" },
  },
});
