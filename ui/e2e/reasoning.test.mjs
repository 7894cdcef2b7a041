// The Reasoning page in a real browser against the platform and its embedded model: a Game
// of 24 tree grows live, ends with a result, a node opens on click; a second session is
// stopped; the history lists both. The 135M model rarely solves a puzzle: the checks are on
// the mechanics (nodes stream in, the status ends completed / stopped), never on `solved`.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE_URL, api, launch, openPage, screenshot, waitLive } from './browser.mjs'

let browser

before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const FORM = '[data-testid="start-reasoning"]'
const SESSION = '[data-testid="reasoning-session"]'

async function fillStart(page, query, task, tot) {
  await page.fill(`${FORM} textarea[name="query"]`, query)
  await page.selectOption(`${FORM} select[name="mode"]`, 'tot_only')
  await page.selectOption(`${FORM} select[name="task"]`, task)
  if (!(await page.$(`${FORM} details.advanced[open]`))) await page.click(`${FORM} details.advanced summary`)
  for (const [name, value] of Object.entries(tot)) await page.fill(`${FORM} input[name="${name}"]`, String(value))
}

/** Start from the form; the page shows the new session: its id. */
async function start(page, query, task, tot) {
  const before = await page.getAttribute(SESSION, 'data-session-id').catch(() => null)
  await fillStart(page, query, task, tot)
  await page.click(`${FORM} button[type="submit"]`)
  await page.waitForFunction(
    ([sel, old]) => {
      const id = document.querySelector(sel)?.dataset.sessionId
      return id && id !== old ? id : null
    },
    [SESSION, before],
    { timeout: 90000 },
  )
  return page.getAttribute(SESSION, 'data-session-id')
}

test('Reasoning: a Game of 24 tree grows live, a node opens, a second session stops, the history lists both', async () => {
  const { page } = browser
  await page.goto(BASE_URL)
  await openPage(page, 'reasoning')
  await waitLive(page)
  await page.waitForSelector(FORM)

  // record what the session panel shows over time, to see the tree grow while it runs
  await page.evaluate(() => {
    window.__seen = []
    new MutationObserver(() => {
      const panel = document.querySelector('[data-testid="reasoning-session"]')
      if (!panel) return
      window.__seen.push({ id: panel.dataset.sessionId, status: panel.dataset.status, nodes: document.querySelectorAll('[data-testid="thought-node"]').length })
    }).observe(document.body, { subtree: true, childList: true, attributes: true })
  })

  // 1: a small tree (b=2, depth 3, short completions), to the end
  const small = { beam_width: 2, max_depth: 3, n_evaluate_sample: 1, max_proposals: 3, max_steps: 6, max_tokens: 48 }
  const first = await start(page, '4 6 8 9', 'game24', small)
  await page.waitForFunction(
    (sel) => ['completed', 'stopped', 'failed'].includes(document.querySelector(sel)?.dataset.status),
    SESSION,
    { timeout: 420000 },
  )
  assert.equal(await page.getAttribute(SESSION, 'data-status'), 'completed')
  const seen = await page.evaluate((id) => window.__seen.filter((s) => s.id === id), first)
  assert.ok(
    seen.some((s) => s.status === 'running' && s.nodes > 0),
    `thought nodes appeared while the session ran (live), seen: ${JSON.stringify(seen.slice(-5))}`,
  )
  const tree = (await api(`reasoning/sessions/${first}/tree`)).body
  // the root at least: the 135M model may propose no legal step
  assert.ok(tree.nodes.length >= 1, 'the session stored a tree')
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="thought-node"]').length === n, tree.nodes.length)
  // the pruned nodes are drawn as pruned, the winning path is marked
  const drawn = await page.$$eval('[data-testid="thought-node"]', (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.dataset.nodeId, { status: n.dataset.status, best: n.dataset.best === 'true' }])),
  )
  for (const node of tree.nodes) assert.equal(drawn[node.id]?.status, node.status, `node ${node.id}`)
  for (const id of tree.best_path) assert.ok(drawn[id]?.best, `best path node ${id} is marked`)
  await page.waitForSelector('[data-testid="reasoning-result"][data-status="completed"]')
  const result = (await api(`reasoning/results/${first}`)).body
  assert.match(await page.textContent('[data-testid="reasoning-result"]'), /model calls/)
  if (result.result?.answer) assert.ok((await page.textContent('[data-testid="reasoning-answer"]')).includes(result.result.answer.trim().slice(0, 20)))
  // click a node (a proposed step where the model made one): its thought and state as stored
  const step = tree.nodes.find((n) => n.depth > 0 && n.thought) ?? tree.nodes[0]
  await page.click(`[data-testid="thought-node"][data-node-id="${step.id}"]`)
  await page.waitForSelector('[data-testid="node-detail"]')
  if (step.thought) assert.equal((await page.textContent('[data-testid="node-thought"]')).trim(), step.thought.trim())
  assert.ok((await page.textContent('[data-testid="node-detail"]')).includes(step.state), 'the node state is shown')
  await screenshot(page, 'reasoning')

  // 2: a large search on an open question (the model always proposes steps there), stopped
  // from the page while it runs
  const large = { beam_width: 5, max_depth: 4, n_evaluate_sample: 3, max_proposals: 16, max_steps: 50, max_tokens: 128 }
  const second = await start(page, 'Why does a supervisor restart a crashed actor instead of the whole system?', 'open', large)
  assert.notEqual(second, first)
  // its proposed steps appear under the question while it runs, then it is stopped
  await page.waitForFunction(
    (sel) => document.querySelector(sel)?.dataset.status === 'running' && document.querySelectorAll('[data-testid="thought-node"]').length >= 2,
    SESSION,
    { timeout: 180000 },
  )
  await page.click('[data-testid="stop-reasoning"]')
  await page.waitForSelector(`${SESSION}[data-status="stopped"]`, { timeout: 90000 })
  assert.equal((await api(`reasoning/results/${second}`)).body.session.status, 'stopped')
  const partial = (await api(`reasoning/sessions/${second}/tree`)).body
  assert.ok(partial.nodes.length >= 2, 'the stopped session kept its partial tree')
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="thought-node"]').length === n, partial.nodes.length)
  await screenshot(page, 'reasoning-stopped')

  // the history lists both, and opens the first again
  for (const [id, status] of [
    [first, 'completed'],
    [second, 'stopped'],
  ]) {
    await page.waitForSelector(`[data-testid="history-item"][data-session-id="${id}"][data-status="${status}"]`, { timeout: 30000 })
  }
  await page.click(`[data-testid="history-item"][data-session-id="${first}"]`)
  await page.waitForSelector(`${SESSION}[data-session-id="${first}"][data-status="completed"]`)
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="thought-node"]').length === n, tree.nodes.length)

  assert.deepEqual(browser.errors, [])
})
