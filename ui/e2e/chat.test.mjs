// Chat in the browser: send a message, see the answer stream in (issue 7's agents/chat API).
// With PYGENT_UI_KILL_AGENT=1 the agent is killed from the System page first and the chat
// must keep working with the restarted agent.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { BASE_URL, api, launch, openPage, screenshot, waitLive } from './browser.mjs'

let browser
let available = true

before(async () => {
  const types = await api('agents/types')
  available = types.status !== 404
  if (available) browser = await launch()
})
after(async () => {
  await browser?.close()
})

async function ensureAgent() {
  const list = (await api('agents')).body.agents
  if (list.length) return list[0]
  const types = (await api('agents/types')).body.types
  const created = await api('agents', { method: 'POST', body: JSON.stringify({ type: types[0].type, name: 'e2e' }) })
  assert.ok(created.status < 300, `create agent: ${JSON.stringify(created.body)}`)
  return created.body
}

async function askAndSeeStream(page, text, shot) {
  const answers = () => page.$$('[data-testid="msg-assistant"]')
  const before = (await answers()).length
  await page.fill('[data-testid="composer"]', text)
  await page.click('[data-testid="send"]')
  // the stop button is there while the answer streams
  await page.waitForSelector('[data-testid="stop"]', { timeout: 30000 })
  if (shot) {
    // a picture of the answer mid-stream, when the answer is slow enough to catch
    const streaming = await page
      .waitForFunction(() => document.querySelector('[data-testid="msg-assistant"][data-streaming="true"] .markdown'), null, { timeout: 60000 })
      .catch(() => null)
    if (streaming) await screenshot(page, shot)
  }
  await page.waitForFunction(
    (n) => {
      const all = document.querySelectorAll('[data-testid="msg-assistant"]')
      return all.length > n && all[all.length - 1].dataset.streaming === 'false'
    },
    before,
    { timeout: 240000 },
  )
  const last = (await answers()).at(-1)
  const content = (await last.textContent()) ?? ''
  const error = await last.$('.msg-error')
  assert.equal(error, null, `the answer failed: ${error ? await error.textContent() : ''}`)
  assert.ok(content.trim().length > 0, 'the answer has text')
  return content
}

test('send a message and see a streamed answer', async (t) => {
  if (!available) return t.skip('GET /api/v1/agents/types answers 404: the agents/chat API has not landed')
  const { page } = browser
  const agent = await ensureAgent()
  await page.goto(BASE_URL + 'chat')
  await waitLive(page)
  await page.waitForSelector('[data-testid="agent-picker"]')
  await page.waitForSelector(`[data-testid="agent-picker"] option[value="${agent.id}"]`, { state: 'attached' })
  await page.selectOption('[data-testid="agent-picker"]', agent.id)
  // count streamed frames as they reach the page: more than one means it streamed
  await page.evaluate(() => {
    window.__deltas = 0
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="msg-assistant"][data-streaming="true"]')
      if (el && el.textContent.trim()) window.__deltas += 1
    }).observe(document.querySelector('[data-testid="messages"]'), { subtree: true, characterData: true, childList: true })
  })
  await askAndSeeStream(page, 'Say hello in one short sentence.', 'chat-streaming')
  const deltas = await page.evaluate(() => window.__deltas)
  assert.ok(deltas >= 1, 'the answer appeared while it was streaming')
  await page.waitForSelector('[data-testid="conversations"] li')
  await screenshot(page, 'chat-answer')

  // export the conversation as Markdown: the file holds the question
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export"]')])
  assert.match(download.suggestedFilename(), /^conversation-.+\.md$/)
  const exported = await readFile(await download.path(), 'utf8')
  assert.ok(exported.includes('Say hello in one short sentence.'), 'the export holds the conversation')

  if (process.env.PYGENT_UI_KILL_AGENT === '1' && agent.address) {
    await openPage(page, 'system')
    const row = `[data-testid="tree-row"][data-address="${agent.address}"]`
    await page.waitForSelector(row)
    const restarts = Number(await page.getAttribute(row, 'data-restarts'))
    await page.click(`[data-testid="kill-${agent.address}"]`)
    await page.click(`[data-testid="kill-${agent.address}"]`)
    await page.waitForFunction(
      ([selector, count]) => {
        const el = document.querySelector(selector)
        return el && Number(el.dataset.restarts) > count && el.dataset.state === 'running'
      },
      [row, restarts],
      { timeout: 60000 },
    )
    await openPage(page, 'chat')
    await page.selectOption('[data-testid="agent-picker"]', agent.id)
    await askAndSeeStream(page, 'Are you still there? Answer briefly.')
    await screenshot(page, 'chat-after-agent-restart')
  }
})
