// Every page loads in a real browser and shows what the platform's API says right now.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE_URL, api, launch, openPage, screenshot, waitLive, walk } from './browser.mjs'

let browser

before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('a deep link loads the UI, and the live connection comes up', async () => {
  const { page } = browser
  const response = await page.goto(BASE_URL + 'system')
  assert.equal(response.status(), 200)
  await page.waitForSelector('[data-testid="page-system"]')
  await waitLive(page)
  assert.match(await page.title(), /System · PyGent Factory/)
})

test('System: the supervision tree, health and node metrics are the platform\'s', async () => {
  const { page } = browser
  await openPage(page, 'system')
  const tree = (await api('system/tree')).body
  const addresses = walk(tree).map((n) => n.address)
  await page.waitForSelector('[data-testid="tree-row"][data-address="supervisor/root"]')
  await page.waitForFunction(
    (want) => want.every((a) => document.querySelector(`[data-testid="tree-row"][data-address="${a}"]`)),
    addresses,
  )
  const shown = await page.$$eval('[data-testid="tree-row"]', (rows) => rows.map((r) => r.dataset.address))
  assert.deepEqual(new Set(shown), new Set(addresses))
  const health = (await api('health')).body
  const healthText = await page.textContent('[data-testid="health"]')
  for (const name of Object.keys(health.components)) assert.ok(healthText.includes(name), `health shows ${name}`)
  await page.waitForSelector('[data-testid="nodes"]')
  const metrics = (await api('system/metrics')).body
  const nodesText = await page.textContent('[data-testid="nodes"]')
  for (const node of metrics.nodes) assert.ok(nodesText.includes(node.ip), `nodes show ${node.ip}`)
  assert.match(nodesText, /CPU \d+%/)
  // the cluster's nodes (GET /health/nodes): each with its address, state and what runs there
  const clusterNodes = (await api('health/nodes')).body
  assert.ok(clusterNodes.length >= 1, 'the cluster has a node')
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="cluster-nodes"] tbody tr').length === n,
    clusterNodes.length,
  )
  const nodeRows = await page.$$eval('[data-testid="cluster-nodes"] tbody tr', (rows) => rows.map((r) => r.textContent))
  for (const node of clusterNodes) {
    const row = nodeRows.find((text) => text.includes(node.address) && text.includes(node.node_id.slice(0, 16)))
    assert.ok(row, `the nodes table lists ${node.address}`)
    assert.ok(row.includes(node.alive ? 'alive' : 'dead'))
    // supervisors stay put (agents and sessions come and go between the two reads)
    const steady = node.actors.filter((a) => a.startsWith('supervisor/')).slice(0, 5)
    for (const actor of steady) assert.ok(row.includes(actor), `${node.address} runs ${actor}`)
  }
  await screenshot(page, 'system')
})

test('Models: the model list and statistics come from /api/v1/models', async () => {
  const { page } = browser
  await openPage(page, 'models')
  const models = (await api('models')).body.models
  assert.ok(models.length > 0, 'the platform has at least one model')
  await page.waitForSelector('[data-testid="models"]')
  const shown = await page.$$eval('[data-testid="models"] tbody tr', (rows) => rows.map((r) => r.dataset.model))
  assert.deepEqual(shown, models.map((m) => m.name))
  await page.waitForSelector('[data-testid="models-summary"]')
  await page.waitForSelector('[data-testid="backends"]')
  // a model's own performance opens on click
  await page.click(`[data-testid="models"] tbody tr[data-model="${models[0].name}"]`)
  await page.waitForSelector('[data-testid="model-performance"] .kv')
  assert.match(await page.textContent('[data-testid="model-performance"]'), /calls/)
  await screenshot(page, 'models')
})

test('Agents: the list and types, or a clear "not available"', async () => {
  const { page } = browser
  await openPage(page, 'agents')
  const types = await api('agents/types')
  if (types.status === 404) {
    await page.waitForSelector('[data-testid="not-available"]')
    assert.match(await page.textContent('[data-testid="not-available"]'), /not available/)
  } else {
    assert.equal(types.status, 200)
    await page.waitForSelector('[data-testid="create-agent"]')
    const options = await page.$$eval('[data-testid="create-agent"] select[name="type"] option', (o) => o.map((x) => x.value))
    assert.deepEqual(options, types.body.types.map((t) => t.type))
    for (const agent of (await api('agents')).body.agents) await page.waitForSelector(`tr[data-agent-id="${agent.id}"]`)
    // create one through the form: it appears in the list as the API reports it
    const name = `ui-e2e-${Date.now().toString(36)}`
    await page.fill('[data-testid="create-agent"] input[name="name"]', name)
    await page.click('[data-testid="create-agent"] button[type="submit"]')
    const created = await waitForAgent(name)
    const row = `tr[data-agent-id="${created.id}"]`
    await page.waitForSelector(row)
    assert.match(await page.textContent(row), new RegExp(created.type))
    await screenshot(page, 'agents')
    // and delete it (two clicks): gone from the page and from the API
    await page.click(`[data-testid="delete-${created.id}"]`)
    await page.click(`[data-testid="delete-${created.id}"]`)
    await page.waitForSelector(row, { state: 'detached' })
    const after = (await api('agents')).body.agents
    assert.ok(!after.some((a) => a.id === created.id), 'the agent is deleted on the platform')
    return
  }
  await screenshot(page, 'agents')
})

async function waitForAgent(name) {
  for (let i = 0; i < 120; i++) {
    const found = (await api('agents')).body.agents.find((a) => a.name === name)
    if (found) return found
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`agent ${name} was not created`)
}

test('MCP: the servers and catalogue, or a clear "not available"', async () => {
  const { page } = browser
  await openPage(page, 'mcp')
  const servers = await api('mcp/servers')
  if (servers.status === 404) {
    await page.waitForSelector('[data-testid="not-available"]')
  } else {
    assert.equal(servers.status, 200)
    for (const server of servers.body.servers) {
      await page.waitForSelector(`[data-testid="mcp-server"][data-server-id="${server.id}"]`)
    }
    // a ready server's tools open from its row, as /mcp/servers/{id}/tools lists them
    const ready = servers.body.servers.find((s) => s.status === 'ready' && s.tool_count > 0)
    if (ready) {
      const tools = (await api(`mcp/servers/${encodeURIComponent(ready.id)}/tools`)).body.tools
      const card = `[data-testid="mcp-server"][data-server-id="${ready.id}"]`
      await page.click(`${card} .server-name`)
      await page.waitForSelector(`${card} [data-testid="tools"] li`)
      const text = await page.textContent(`${card} [data-testid="tools"]`)
      for (const tool of tools) assert.ok(text.includes(`${ready.id}/${tool.name}`), `tool ${tool.name} shown`)
      // run a tool from the page: the answer is the server's CallToolResult
      const tool = tools.find((t) => !(t.inputSchema?.required ?? []).length) ?? (ready.id === 'time' ? tools.find((t) => t.name === 'get_current_time') : null)
      if (tool) {
        await page.click(`${card} [data-testid="tools"] li:has-text("${ready.id}/${tool.name}") .tool-name`)
        const args = tool.name === 'get_current_time' ? '{"timezone": "UTC"}' : '{}'
        await page.fill(`${card} .runner textarea`, args)
        await page.click(`${card} .runner button`)
        await page.waitForSelector(`${card} .runner pre.json`, { timeout: 60000 })
        const result = JSON.parse(await page.textContent(`${card} .runner pre.json`))
        assert.ok(Array.isArray(result.content), 'a CallToolResult has content')
        assert.notEqual(result.isError, true, JSON.stringify(result))
      }
    }
    const catalogue = await api('mcp/discovery')
    if (catalogue.status === 200) {
      await page.waitForSelector('[data-testid="catalogue"]')
      const rows = await page.$$('[data-testid="catalogue"] tbody tr')
      assert.equal(rows.length, catalogue.body.servers.length)
    }
  }
  await screenshot(page, 'mcp')
})

test('Chat: the conversation view, or a clear "not available"', async () => {
  const { page } = browser
  await openPage(page, 'chat')
  const types = await api('agents/types')
  if (types.status === 404) {
    await page.waitForSelector('[data-testid="not-available"]')
  } else {
    await page.waitForSelector('[data-testid="composer"]')
    await page.waitForSelector('[data-testid="agent-picker"]')
  }
  await screenshot(page, 'chat')
})

test('Knowledge: the indexes and statistics come from /api/v1/search', async () => {
  const { page } = browser
  await openPage(page, 'knowledge')
  const indexes = await api('search/indexes')
  if (indexes.status === 404) {
    await page.waitForSelector('[data-testid="not-available"]')
  } else {
    assert.equal(indexes.status, 200)
    await page.waitForSelector('[data-testid="indexes"]')
    const want = indexes.body.indexes.map((i) => i.name)
    await page.waitForFunction(
      (names) => JSON.stringify([...document.querySelectorAll('[data-testid="indexes"] tbody tr')].map((r) => r.dataset.index)) === JSON.stringify(names),
      want,
    )
    await page.waitForSelector('[data-testid="search-stats"]', { timeout: 60000 })
    await page.waitForSelector('[data-testid="search"]')
  }
  await screenshot(page, 'knowledge-page')
})

test('Reasoning: the start form, defaults and history, or a clear "not available"', async () => {
  const { page } = browser
  await openPage(page, 'reasoning')
  const modes = await api('reasoning/modes')
  if (modes.status === 404) {
    await page.waitForSelector('[data-testid="not-available"]')
  } else {
    assert.equal(modes.status, 200)
    await page.waitForSelector('[data-testid="start-reasoning"]')
    const defaultOption = await page.textContent('[data-testid="start-reasoning"] select[name="mode"] option[value=""]')
    assert.ok(defaultOption.includes(modes.body.default_mode), defaultOption)
    const history = (await api('reasoning/history?limit=12')).body.sessions
    if (history.length) {
      await page.waitForSelector(`[data-testid="history-item"][data-session-id="${history[0].session_id}"]`)
    } else {
      await page.waitForSelector('[data-testid="reasoning-history"] .empty')
    }
  }
  await screenshot(page, 'reasoning-page')
})

test('no page logged an error in the browser console', async () => {
  // 404 answers of routes whose backend has not landed are expected network errors, and so
  // is a refused WebSocket while a loaded gateway starts (the client reconnects; the first
  // test checks the connection is live)
  const unexpected = browser.errors.filter((e) => !/status of (404|503)/.test(e) && !/WebSocket connection to .* failed/.test(e))
  assert.deepEqual(unexpected, [])
})
