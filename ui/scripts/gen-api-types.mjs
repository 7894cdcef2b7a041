// Generate the UI's REST types from the gateway's OpenAPI document:
//   node scripts/gen-api-types.mjs <openapi.json> <out.ts>
// `make ui-types` runs it after `python -m serve_app.openapi_dump ui/openapi.json`;
// `make test` runs both into a temp dir and fails if the committed files differ.
import { readFile, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import openapiTS, { astToString } from 'openapi-typescript'

const HEADER = `// GENERATED FILE: do not edit. The gateway's REST shapes, from ui/openapi.json
// (python -m serve_app.openapi_dump) by openapi-typescript. Regenerate with \`make ui-types\`;
// \`make test\` fails while this file is stale. Use these types through src/lib/types.ts.

`

const [input, output] = process.argv.slice(2)
if (!input || !output) {
  console.error('usage: node scripts/gen-api-types.mjs <openapi.json> <out.ts>')
  process.exit(2)
}
// parse here (not by URL) so a missing or broken file fails with its own message
const document = JSON.parse(await readFile(input, 'utf8'))
const ast = await openapiTS(document, { cwd: pathToFileURL(resolve(input)), silent: true })
await writeFile(output, HEADER + astToString(ast))
