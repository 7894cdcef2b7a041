import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The build uses relative asset URLs ('./assets/...') so one build works at `/` and under
// any sub-path (serve.base_path, e.g. /pygent/): the gateway puts a <base href> into
// index.html. VITE_BASE_PATH pins an absolute base for hosting without the gateway.
// The dev server proxies the API and the WebSocket to a running platform (PYGENT_URL).
const target = process.env.PYGENT_URL ?? 'http://127.0.0.1:8000'

export default defineConfig(({ command }) => ({
  base: process.env.VITE_BASE_PATH ?? (command === 'build' ? './' : '/'),
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'markdown', test: /node_modules[\\/](react-markdown|remark-|rehype-|micromark|mdast-|hast-|unified|vfile|unist-)/ },
          ],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
  },
}))
