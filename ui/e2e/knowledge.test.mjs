// The Knowledge page in a real browser: create an index, upload a text and an HTML file,
// find them by search, see the default index refuse deletion, delete the new index.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { api, launch, openPage, screenshot, BASE_URL } from './browser.mjs'

let browser

before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const INDEX = `ui-e2e-${Date.now().toString(36)}`
// words no other document has, so each search can only find its own file
const TEXT = 'Supervisors restart crashed actors. The quokkaflux protocol keeps every shard of an index alive.'
const HTML =
  '<!doctype html><html><head><title>Zebrawind notes</title></head><body><h1>Zebrawind</h1>' +
  '<p>The zebrawind gateway streams answers to browsers over a WebSocket.</p></body></html>'

async function search(page, query, mode) {
  const form = '[data-testid="search"]'
  await page.fill(`${form} input[name="query"]`, query)
  await page.selectOption(`${form} select[name="index"]`, INDEX)
  await page.selectOption(`${form} select[name="mode"]`, mode)
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/api/v1/search/${mode}`) && r.request().method() === 'POST', { timeout: 120000 }),
    page.click(`${form} button[type="submit"]`),
  ])
  assert.equal(response.status(), 200, await response.text())
  const answer = await response.json()
  // the page shows exactly what the API answered
  await page.waitForFunction(
    (ids) => {
      const shown = [...document.querySelectorAll('[data-testid="hit"]')].map((h) => h.dataset.documentId)
      return document.querySelector('[data-testid="search-answer"]') && JSON.stringify(shown) === JSON.stringify(ids)
    },
    answer.results.map((r) => r.document_id),
  )
  return page.$$eval('[data-testid="hit"]', (hits) => hits.map((h) => h.textContent))
}

test('Knowledge: create an index, upload files, search them, delete the index', async () => {
  const { page } = browser
  await page.goto(BASE_URL)
  await openPage(page, 'knowledge')
  await page.waitForSelector('[data-testid="indexes"] tr[data-index="default"]')

  // create
  await page.fill('[data-testid="create-index"] input[name="name"]', INDEX)
  await page.fill('[data-testid="create-index"] input[name="shards"]', '2')
  await page.selectOption('[data-testid="create-index"] select[name="type"]', 'flat')
  await page.click('[data-testid="create-index"] button[type="submit"]')
  const row = `[data-testid="indexes"] tr[data-index="${INDEX}"]`
  await page.waitForSelector(row, { timeout: 120000 })
  const created = (await api('search/indexes')).body.indexes.find((i) => i.name === INDEX)
  assert.ok(created, 'the index exists on the platform')
  assert.equal(created.shards, 2)
  assert.equal(created.type, 'flat')

  // upload two files at once: each gets its own progress bar and ends "done"
  const add = '[data-testid="add-documents"]'
  await page.selectOption(`${add} select[name="index"]`, INDEX)
  await page.fill(`${add} input[name="metadata"]`, '{"suite": "ui-e2e"}')
  await page.setInputFiles(`${add} input[name="files"]`, [
    { name: 'quokka.txt', mimeType: 'text/plain', buffer: Buffer.from(TEXT) },
    { name: 'zebrawind.html', mimeType: 'text/html', buffer: Buffer.from(HTML) },
  ])
  await page.waitForSelector('[data-testid="upload"][data-name="quokka.txt"] [role="progressbar"]')
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="upload"]')].filter((u) => u.dataset.phase === 'done').length === 2,
    null,
    { timeout: 180000 },
  )
  const bars = await page.$$eval('[data-testid="upload"] [role="progressbar"]', (b) => b.map((x) => x.getAttribute('aria-valuenow')))
  assert.deepEqual(bars, ['100', '100'])
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('2'), row)
  const stored = (await api('search/indexes')).body.indexes.find((i) => i.name === INDEX)
  assert.equal(stored.documents, 2)

  // search: keyword finds the text file, semantic the HTML page, each hit with score and shard
  const keyword = await search(page, 'quokkaflux', 'keyword')
  assert.equal(keyword.length, 1, keyword.join('\n'))
  assert.match(keyword[0], /quokkaflux/)
  assert.match(keyword[0], /quokka\.txt/)
  assert.match(keyword[0], /shard [01]/)
  const semantic = await search(page, 'zebrawind gateway WebSocket streaming', 'semantic')
  assert.ok(semantic.length >= 1)
  assert.match(semantic[0], /zebrawind\.html/)
  assert.match(semantic[0], /\d\.\d{4}/) // the score
  assert.match(await page.textContent('[data-testid="search-answer"]'), /2\/2 shards answered/)
  // a metadata filter keeps only the matching file
  await page.fill('[data-testid="search"] input[name="filters"]', '{"filename": "quokka.txt"}')
  const filtered = await search(page, 'zebrawind gateway WebSocket streaming', 'hybrid')
  assert.ok(filtered.every((h) => h.includes('quokka.txt')), filtered.join('\n'))
  await page.fill('[data-testid="search"] input[name="filters"]', '')

  // statistics list the new index with its counts
  await page.click('text=Measure again')
  await page.waitForFunction(
    (name) => document.querySelector(`[data-testid="search-stats"] tr[data-index="${name}"]`)?.textContent.includes('2'),
    INDEX,
    { timeout: 60000 },
  )
  await screenshot(page, 'knowledge')

  // the default index cannot be deleted: the API's reason is shown
  await page.click('[data-testid="delete-index-default"]')
  await page.click('[data-testid="delete-index-default"]')
  await page.waitForSelector('.toast-bad:has-text("default index")')
  assert.ok((await api('search/indexes')).body.indexes.some((i) => i.name === 'default'))

  // delete ours (two clicks): gone from the page and the platform
  await page.click(`[data-testid="delete-index-${INDEX}"]`)
  await page.click(`[data-testid="delete-index-${INDEX}"]`)
  await page.waitForSelector(row, { state: 'detached', timeout: 120000 })
  assert.ok(!(await api('search/indexes')).body.indexes.some((i) => i.name === INDEX))

  // the refused delete is the only failed request
  const unexpected = browser.errors.filter((e) => !/status of 409/.test(e))
  assert.deepEqual(unexpected, [])
})
