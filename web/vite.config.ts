import { defineConfig } from "vitest/config";

// The UI is served by the Go binary, which embeds dist/. Hashed asset names make the output
// depend only on the sources, so CI can rebuild and compare it with the committed copy.
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      "^/(auth|me|boards|lists|tasks|healthz|readyz)": "http://localhost:3000",
      "/ws": { target: "ws://localhost:3000", ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
