// The Workflows page in a real browser against the platform and its embedded model: a small
// research analysis over a two-document index starts from the form, its steps and log lines
// show live, it completes with a report whose citations are the API's (a marker opens its
// citation), both exports download; a second one is stopped from the page and retried to the
// end; the list shows both. Mechanics only: the 135M model's wording is never asserted.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { BASE_URL, api, launch, openPage, screenshot, waitLive } from './browser.mjs'

let browser

before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const FORM = '[data-testid="start-research"]'
const PANEL = '[data-testid="workflow"]'
const INDEX = 'ui-workflow-docs'
const QUESTION = 'How does a supervisor restart children, and how does the bus deliver events?'
const DOCS = [
  ['supervision.md', '# Supervision\n\nA supervisor restarts its children when they crash. The one_for_one strategy restarts only the child that failed.'],
  ['bus.md', '# The message bus\n\nThe bus routes JSON-RPC requests between actors by address and publishes events on topics, in order.'],
]

async function makeIndex() {
  const created = await api('search/indexes', { method: 'POST', body: JSON.stringify({ name: INDEX, shards: 1 }) })
  assert.ok([200, 201, 409].includes(created.status), JSON.stringify(created.body))
  if (created.status === 409) return
  for (const [source, content] of DOCS) {
    const added = await api('search/documents', { method: 'POST', body: JSON.stringify({ index: INDEX, content, format: 'markdown', metadata: { source } }) })
    assert.ok([200, 201].includes(added.status), JSON.stringify(added.body))
  }
}

/** Fill the form and start; the page shows the new workflow: its id. */
async function start(page) {
  const old = await page.getAttribute(PANEL, 'data-workflow-id').catch(() => null)
  await page.fill(`${FORM} textarea[name="question"]`, QUESTION)
  await page.waitForFunction(([form, name]) => [...document.querySelectorAll(`${form} select[name="index"] option`)].some((o) => o.value === name), [FORM, INDEX])
  await page.selectOption(`${FORM} select[name="index"]`, INDEX)
  if (!(await page.$(`${FORM} details.advanced[open]`))) await page.click(`${FORM} details.advanced summary`)
  await page.fill(`${FORM} input[name="max_sub_questions"]`, '1')
  await page.fill(`${FORM} input[name="search_k"]`, '2')
  await page.fill(`${FORM} input[name="answer_max_tokens"]`, '32')
  await page.click(`${FORM} button[type="submit"]`)
  await page.waitForFunction(
    ([sel, prev]) => {
      const id = document.querySelector(sel)?.dataset.workflowId
      return id && id !== prev ? id : null
    },
    [PANEL, old],
    { timeout: 120000 },
  )
  return page.getAttribute(PANEL, 'data-workflow-id')
}

const ended = (sel) => ['completed', 'failed', 'cancelled'].includes(document.querySelector(sel)?.dataset.status)

test('Workflows: a research analysis runs live to a cited report, exports, a second one stops and is retried, the list shows both', async () => {
  const { page } = browser
  const probe = await api('workflows')
  assert.equal(probe.status, 200, JSON.stringify(probe.body))
  await makeIndex()
  await page.goto(BASE_URL)
  await openPage(page, 'workflows')
  await waitLive(page)
  await page.waitForSelector(FORM)

  await page.evaluate(() => {
    window.__seen = []
    new MutationObserver(() => {
      const panel = document.querySelector('[data-testid="workflow"]')
      if (!panel) return
      window.__seen.push({
        id: panel.dataset.workflowId,
        status: panel.dataset.status,
        steps: document.querySelectorAll('[data-testid="step"]').length,
        lines: Number(document.querySelector('[data-testid="logs"]')?.dataset.lines ?? 0),
      })
    }).observe(document.body, { subtree: true, childList: true, attributes: true })
  })

  // 1: to the end
  const first = await start(page)
  await page.waitForFunction(ended, PANEL, { timeout: 420000 })
  assert.equal(await page.getAttribute(PANEL, 'data-status'), 'completed')
  const seen = await page.evaluate((id) => window.__seen.filter((s) => s.id === id), first)
  assert.ok(
    seen.some((s) => ['queued', 'running'].includes(s.status) && s.steps > 0 && s.lines > 0),
    `steps and log lines showed while it ran (live), seen: ${JSON.stringify(seen.slice(-5))}`,
  )
  const status = (await api(`workflows/research-analysis/${first}/status`)).body
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="step"]').length === n, status.steps.length)
  const logs = (await api(`workflows/${first}/logs`)).body.lines
  await page.waitForFunction((n) => document.querySelector('[data-testid="logs"]')?.dataset.lines === String(n), logs.length)
  const result = (await api(`workflows/research-analysis/${first}/result`)).body
  assert.ok(result.report, 'the completed workflow stored a report')
  await page.waitForSelector(`[data-testid="report"][data-citations="${result.report.citations.length}"]`)
  assert.equal(await page.$$eval('[data-testid="citation"]', (items) => items.length), result.report.citations.length)
  const marker = await page.$('[data-testid="report"] a[href^="#cite-"]')
  if (marker) {
    const n = (await marker.getAttribute('href')).replace('#cite-', '')
    await marker.click()
    await page.waitForSelector(`[data-testid="citation"][data-number="${n}"].active`)
  }
  // exports: the stored Markdown and the result as JSON
  const [markdown] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-markdown"]')])
  assert.equal(markdown.suggestedFilename(), `research-${first}.md`)
  assert.equal(readFileSync(await markdown.path(), 'utf8'), result.report.markdown)
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-json"]')])
  assert.equal(json.suggestedFilename(), `research-${first}.json`)
  assert.equal(JSON.parse(readFileSync(await json.path(), 'utf8')).report.report_id, result.report.report_id)
  await screenshot(page, 'workflows')

  // 2: stopped after its first step, then retried to the end
  const second = await start(page)
  assert.notEqual(second, first)
  await page.waitForFunction(
    (sel) => ['queued', 'running'].includes(document.querySelector(sel)?.dataset.status) && document.querySelectorAll('[data-testid="step"]').length >= 1,
    PANEL,
    { timeout: 180000 },
  )
  await page.click('[data-testid="stop-workflow"]')
  await page.waitForSelector(`${PANEL}[data-workflow-id="${second}"][data-status="cancelled"]`, { timeout: 120000 })
  assert.equal((await api(`workflows/research-analysis/${second}/status`)).body.workflow.status, 'cancelled')
  await screenshot(page, 'workflows-cancelled')
  await page.click('[data-testid="retry-workflow"]')
  // the page shows the retried run (it may already have ended), then its end
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status !== 'cancelled', PANEL, { timeout: 120000 })
  await page.waitForFunction(ended, PANEL, { timeout: 420000 })
  assert.equal(await page.getAttribute(PANEL, 'data-status'), 'completed')
  await page.waitForSelector('[data-testid="report"]')

  for (const id of [first, second]) {
    await page.waitForSelector(`[data-testid="workflow-item"][data-workflow-id="${id}"][data-status="completed"]`, { timeout: 30000 })
  }
  await page.click(`[data-testid="workflow-item"][data-workflow-id="${first}"]`)
  await page.waitForSelector(`${PANEL}[data-workflow-id="${first}"] [data-testid="report"]`)

  assert.deepEqual(browser.errors, [])
})
