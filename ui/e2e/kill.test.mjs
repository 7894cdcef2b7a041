// Chaos from the System page: kill a child, watch its restart count go up in the tree.
// PYGENT_UI_KILL names the address (default monitor/main).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE_URL, api, launch, screenshot, waitLive, walk } from './browser.mjs'

const TARGET = process.env.PYGENT_UI_KILL ?? 'monitor/main'
let browser

before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test(`killing ${TARGET} from the System page makes its restart count go up`, async () => {
  const { page } = browser
  await page.goto(BASE_URL + 'system')
  await waitLive(page)
  const row = `[data-testid="tree-row"][data-address="${TARGET}"]`
  await page.waitForSelector(`${row}[data-state="running"]`)
  const before = Number(await page.getAttribute(row, 'data-restarts'))
  const fromApi = walk((await api('system/tree')).body).find((n) => n.address === TARGET)
  assert.equal(before, fromApi.restarts, 'the page shows the API\'s restart count')

  const pidBefore = fromApi.pid
  const kill = `[data-testid="kill-${TARGET}"]`
  await page.click(kill)
  assert.equal((await page.textContent(kill)).trim(), 'Kill?', 'a kill needs confirming')
  await page.click(kill)

  // the supervisor restarts it; the tree updates from the supervision topic
  await page.waitForFunction(
    ([selector, count]) => {
      const el = document.querySelector(selector)
      return el && Number(el.dataset.restarts) > count && el.dataset.state === 'running'
    },
    [row, before],
    { timeout: 60000 },
  )
  const after = walk((await api('system/tree')).body).find((n) => n.address === TARGET)
  assert.ok(after.restarts > before)
  if (pidBefore && after.pid) assert.notEqual(after.pid, pidBefore, 'a new process runs it')
  // the event list shows the restart
  await page.waitForFunction((address) => document.querySelector('[data-testid="events"]')?.textContent.includes(address), TARGET)
  await screenshot(page, 'system-after-kill')
})
