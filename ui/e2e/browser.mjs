// Shared by the end-to-end tests: Debian's Chromium driven by playwright-core, against a
// running platform. PYGENT_UI_URL: the platform's URL (ending in "/", base path included);
// PYGENT_UI_ARTIFACTS: where screenshots go.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const BASE_URL = (() => {
  const url = process.env.PYGENT_UI_URL
  if (!url) throw new Error('set PYGENT_UI_URL to the platform URL, e.g. http://127.0.0.1:8000/')
  return url.endsWith('/') ? url : url + '/'
})()

export const ARTIFACTS = process.env.PYGENT_UI_ARTIFACTS ?? join(process.cwd(), '..', 'test-artifacts', 'ui')
mkdirSync(ARTIFACTS, { recursive: true })

export const CHROMIUM = process.env.PYGENT_CHROMIUM ?? '/usr/bin/chromium'

/** A fresh browser with its own profile directory; close() removes it. Logged in as the test
 * session's admin unless `anonymous` (the login page's own test). */
export async function launch({ anonymous = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'pygent-ui-e2e-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
  // Logged in as the test session's admin: the UI's httpOnly access cookie.
  if (process.env.PYGENT_UI_TOKEN && !anonymous) {
    await context.addCookies([
      { name: 'pygent_access', value: process.env.PYGENT_UI_TOKEN, url: BASE_URL, httpOnly: true, sameSite: 'Strict' },
    ])
  }
  const errors = []
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.setDefaultTimeout(30000)
  return {
    page,
    errors,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

export async function api(path, init) {
  const response = await fetch(new URL(`api/v1/${path}`, BASE_URL), {
    ...init,
    headers: {
      ...(init?.body ? { 'content-type': 'application/json' } : {}),
      ...(process.env.PYGENT_UI_API_KEY ? { authorization: `Bearer ${process.env.PYGENT_UI_API_KEY}` } : {}),
    },
  })
  const text = await response.text()
  let body = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = text
  }
  return { status: response.status, body }
}

export async function screenshot(page, name) {
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Open a page through the sidebar (client-side navigation), as a user would. */
export async function openPage(page, name) {
  await page.click(`[data-testid="nav-${name}"]`)
  await page.waitForSelector(`[data-testid="page-${name}"]`)
}

export async function waitLive(page) {
  await page.waitForSelector('[data-testid="connection"][data-status="open"]', { timeout: 30000 })
}

export function walk(node) {
  return [node, ...node.children.flatMap(walk)]
}
