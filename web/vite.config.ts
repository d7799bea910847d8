// Vite builds web/dist: hashed assets under /assets/, index.html and public/ (config.json) at the root.
// `npm run dev` / `vite preview` proxy /v1 to a running local API (PEKEN_API, default :8000).
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

const api = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.PEKEN_API ?? "http://127.0.0.1:8000";
const proxy = { "/v1": { target: api, changeOrigin: true } };

export default defineConfig({
  plugins: [preact()],
  build: { target: "es2022", sourcemap: false, reportCompressedSize: true },
  server: { proxy },
  preview: { proxy },
});
