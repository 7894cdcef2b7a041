// Logging in, in a real browser: an anonymous visitor gets the login page (never a page of
// errors), a wrong password is refused with the server's message, the right one opens the
// shell with the current user, an API key is created and shown once, logout returns to the
// login page, and after logout the API refuses the browser (its cookies are gone).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE_URL, launch, openPage, screenshot, waitLive } from './browser.mjs'

const USER = process.env.PYGENT_UI_USER
const PASSWORD = process.env.PYGENT_UI_PASSWORD
let browser

before(async () => {
  assert.ok(USER && PASSWORD, 'set PYGENT_UI_USER and PYGENT_UI_PASSWORD (an admin of the platform)')
  browser = await launch({ anonymous: true })
})
after(async () => {
  await browser?.close()
})

async function login(page, password) {
  await page.fill('[data-testid="page-login"] input[name="username"]', USER)
  await page.fill('[data-testid="page-login"] input[name="password"]', password)
  await page.click('[data-testid="page-login"] button[type="submit"]')
}

test('login page, a refused password, the shell after login, an API key shown once, logout', async () => {
  const { page, errors } = browser
  await page.goto(BASE_URL)
  await page.waitForSelector('[data-testid="page-login"]')
  assert.equal(await page.$('[data-testid="whoami"]'), null, 'no shell before login')

  await login(page, PASSWORD + '-wrong')
  const refused = await page.waitForSelector('[data-testid="page-login"] [role="alert"]')
  assert.match(await refused.textContent(), /password|credentials/i)

  await login(page, PASSWORD)
  const whoami = await page.waitForSelector('[data-testid="whoami"]')
  assert.match(await whoami.textContent(), new RegExp(USER))
  await waitLive(page) // the socket's handshake carries the session cookie
  await screenshot(page, 'login-shell')

  await openPage(page, 'keys')
  await page.fill('[data-testid="create-key"] input[name="name"]', 'e2e-key')
  await page.click('[data-testid="create-key"] button[type="submit"]')
  const shown = await page.waitForSelector('[data-testid="new-key"]')
  const secret = (await shown.textContent()).trim()
  assert.match(secret, /^\S{20,}$/)
  await page.waitForSelector('[data-testid="keys"] tr[data-key="e2e-key"]')
  const listed = await page.textContent('[data-testid="keys"]')
  assert.ok(!listed.includes(secret), 'the list never shows the key itself')

  await openPage(page, 'users')
  await page.waitForSelector(`[data-testid="users"] tr[data-user="${USER}"]`)

  await page.click('[data-testid="logout"]')
  await page.waitForSelector('[data-testid="page-login"]')
  const status = await page.evaluate(async () => (await fetch('api/v1/agents')).status)
  assert.equal(status, 401, 'after logout the API refuses this browser')
  await page.reload()
  await page.waitForSelector('[data-testid="page-login"]')
  assert.deepEqual(errors.filter((e) => !/401|Unauthorized/.test(e)), [])
})
