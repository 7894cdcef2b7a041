// The Evolution page in a real browser against the platform and its embedded model: a tiny
// run (2 islands x 3 recipes, 2 generations, short answers) starts from the form, its
// generations show live, it completes with a front, a Pareto scatter, the islands and the
// charts; a recipe opens with its lineage and an agent is made from it; a second run is
// stopped from the page; the history lists both. Mechanics only: the 135M model's scores
// are never asserted.
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

const FORM = '[data-testid="start-evolution"]'
const RUN = '[data-testid="evolution-run"]'
const TASK = process.env.PYGENT_UI_EVOLUTION_TASK ?? 'python_docs_qa_quick'
// what the form's JSON field adds: one reasoning mode, short answers, no cascade, small text variation
const EXTRA = {
  space: { modes: ['direct'], max_tokens: { low: 8, high: 24 } },
  cascade: { minibatch_size: 0 },
  text: { reflect_rate: 0.5, crossover_rate: 0.5, minibatch_size: 1, max_tokens: 24 },
  migration_interval: 1,
  migration_rate: 0.34,
}

/** Fill the form and start; the page shows the new run: its id. */
async function start(page, { generations, extra }) {
  const old = await page.getAttribute(RUN, 'data-run-id').catch(() => null)
  await page.selectOption(`${FORM} select[name="task"]`, TASK)
  await page.setChecked(`${FORM} input[name="objective-quality"]`, true)
  await page.setChecked(`${FORM} input[name="objective-latency_p50"]`, false)
  await page.setChecked(`${FORM} input[name="objective-tokens"]`, true)
  await page.fill(`${FORM} input[name="population_size"]`, '3')
  await page.fill(`${FORM} input[name="islands"]`, '2')
  await page.fill(`${FORM} input[name="generations"]`, String(generations))
  await page.fill(`${FORM} input[name="metric_calls"]`, '400')
  if (!(await page.$(`${FORM} details.advanced[open]`))) await page.click(`${FORM} details.advanced summary`)
  await page.fill(`${FORM} textarea[name="extra"]`, JSON.stringify(extra))
  await page.click(`${FORM} button[type="submit"]`)
  try {
    await page.waitForFunction(
      ([sel, prev]) => {
        const id = document.querySelector(sel)?.dataset.runId
        return id && id !== prev ? id : null
      },
      [RUN, old],
      { timeout: 180000 },
    )
  } catch (exc) {
    // say what the form shows (the API's refusal, a timeout) rather than only "timed out"
    const shown = await page.textContent(`${FORM} [role="alert"]`).catch(() => null)
    throw new Error(`no new run on the page; the form shows: ${shown ?? '(no error)'}; ${exc.message}`)
  }
  return page.getAttribute(RUN, 'data-run-id')
}

test('Evolution: a small run shows its generations live and completes, a recipe opens and becomes an agent, a second run stops, the history lists both', async () => {
  const { page } = browser
  const status = await api('evolution/status')
  assert.equal(status.status, 200, JSON.stringify(status.body))
  assert.ok(status.body.tasks.includes(TASK), `task ${TASK} in ${status.body.tasks}`)
  await page.goto(BASE_URL)
  await openPage(page, 'evolution')
  await waitLive(page)
  await page.waitForSelector(FORM)

  // what the run panel shows over time: the generations must appear while it runs
  await page.evaluate(() => {
    window.__seen = []
    new MutationObserver(() => {
      const panel = document.querySelector('[data-testid="evolution-run"]')
      if (panel) window.__seen.push({ id: panel.dataset.runId, status: panel.dataset.status, generation: Number(panel.dataset.generation) })
    }).observe(document.body, { subtree: true, childList: true, attributes: true })
  })

  // 1: to the end (stop_reason: generations)
  const first = await start(page, { generations: 2, extra: EXTRA })
  await page.waitForFunction((sel) => ['completed', 'stopped', 'failed'].includes(document.querySelector(sel)?.dataset.status), RUN, { timeout: 600000 })
  const done = (await api(`evolution/runs/${first}`)).body
  assert.equal(done.run.status, 'completed', JSON.stringify(done.run))
  assert.equal(await page.getAttribute(RUN, 'data-status'), 'completed')
  const seen = await page.evaluate((id) => window.__seen.filter((s) => s.id === id), first)
  assert.ok(
    seen.some((s) => s.status === 'running' && s.generation >= 1),
    `a generation showed while the run ran (live), seen: ${JSON.stringify(seen.slice(-5))}`,
  )
  // what the page draws is what the API holds
  await page.waitForFunction(
    ([sel, n]) => document.querySelector(sel)?.dataset.generations === String(n),
    ['[data-testid="hypervolume-chart"]', done.history.length],
  )
  assert.equal(await page.$$eval('[data-testid="islands"] tbody tr', (rows) => rows.length), 2)
  const front = done.progress.front
  assert.ok(front.length >= 1, 'the run has a front')
  await page.waitForFunction(
    ([sel, n]) => document.querySelector(sel)?.dataset.front === String(n),
    ['[data-testid="pareto-chart"]', front.filter((m) => 'quality' in m.objectives && 'tokens' in m.objectives).length],
  )
  const points = Number(await page.getAttribute('[data-testid="pareto-chart"]', 'data-points'))
  assert.ok(points >= front.length, `the scatter draws the front and the other recipes (${points})`)
  assert.ok(await page.$('[data-testid="pareto-chart"] canvas'), 'uPlot drew on a canvas')
  assert.deepEqual(
    (await page.$$eval('[data-testid="front-member"]', (rows) => rows.map((r) => r.dataset.key))).sort(),
    front.map((m) => m.key).sort(),
  )
  // the held-out test split, once it ended
  await page.waitForSelector('[data-testid="test-split"]', { timeout: 60000 })
  await screenshot(page, 'evolution')

  // a recipe with parents opens with its lineage
  const listed = (await api(`evolution/recipes?run_id=${first}&limit=500`)).body
  const child = listed.recipes.find((r) => r.lineage && r.lineage.parents.length && front.some((m) => m.key === r.recipe_id)) ?? front[0]
  const key = child.recipe_id ?? child.key
  await page.click(`[data-testid="front-member"][data-key="${key}"]`)
  await page.waitForSelector(`[data-testid="recipe-detail"][data-recipe-id="${key}"] [data-testid="lineage"] li`)
  const lineage = (await api(`evolution/recipes/${key}/lineage`)).body
  assert.deepEqual(
    await page.$$eval('[data-testid="lineage"] li', (items) => items.map((li) => li.dataset.recipeId)),
    lineage.nodes.map((n) => n.recipe_id),
  )
  // an agent made from it: the Agents page lists it, and it carries the recipe
  const agentName = `evolved-${first}`
  await page.waitForSelector('[data-testid="create-agent-from-recipe"] select[name="type"] option', { state: 'attached' })
  await page.fill('[data-testid="create-agent-from-recipe"] input[name="name"]', agentName)
  await page.click('[data-testid="create-agent-from-recipe"] button[type="submit"]')
  await page.waitForSelector('[data-testid="page-agents"]', { timeout: 120000 })
  const agent = (await api('agents')).body.agents.find((a) => a.name === agentName)
  assert.ok(agent, `agent ${agentName} was created`)
  assert.ok(agent.recipe, `the agent carries its recipe: ${JSON.stringify(agent)}`)
  await page.waitForFunction((name) => document.body.textContent.includes(name), agentName)
  await openPage(page, 'evolution')
  await page.waitForSelector(FORM)

  // 2: a longer run, stopped from the page while it runs
  const second = await start(page, { generations: 50, extra: { ...EXTRA, patience: 50 } })
  assert.notEqual(second, first)
  await page.waitForSelector(`${RUN}[data-run-id="${second}"][data-status="running"]`)
  await page.click('[data-testid="stop-evolution"]')
  await page.waitForSelector(`${RUN}[data-run-id="${second}"][data-status="stopped"]`, { timeout: 600000 })
  const stopped = (await api(`evolution/runs/${second}`)).body.run
  assert.equal(stopped.status, 'stopped')
  assert.equal(stopped.stop_reason, 'user')
  await screenshot(page, 'evolution-stopped')

  // the history lists both; the first opens again
  for (const [id, s] of [
    [first, 'completed'],
    [second, 'stopped'],
  ]) {
    await page.waitForSelector(`[data-testid="run-item"][data-run-id="${id}"][data-status="${s}"]`, { timeout: 30000 })
  }
  await page.click(`[data-testid="run-item"][data-run-id="${first}"]`)
  await page.waitForSelector(`${RUN}[data-run-id="${first}"][data-status="completed"]`)

  assert.deepEqual(browser.errors, [])
})
