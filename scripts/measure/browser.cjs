// Browser budgets, measured in Debian's headless Chromium driven by playwright-core (which never
// downloads a browser of its own). Run through scripts/measure/browser.sh, which builds and
// starts the release server; this file takes its URL:
//
//   node scripts/measure/browser.cjs http://127.0.0.1:PORT
//
// 1. Navigation: from navigation start to the first frame that shows all 150 rows of the
//    bindings table, for the app and for a static HTML page holding the same table (the app's
//    own rendered DOM, saved without its scripts, with the same stylesheet), each in a fresh
//    browser context (cold cache), alternating, 5 times each after one warm-up. Budget: the
//    app's median is at most 2x the static page's.
// 2. Filtering: the catalog page with a 2,000-model catalog (the server's real catalog
//    answer, repeated with derived ids, substituted for GET /api/v1/catalog in the browser),
//    typing "nova-pro" and deleting it again. Per keystroke: from dispatching the input event
//    to the end of the task that handles it (the UI's reactive updates run as microtasks),
//    plus the style and layout it causes, measured with performance.now() in the page; 5
//    fresh pages. Budget: every keystroke's median at most 16 ms. As a cross-check, real key
//    presses are typed and the Event Timing API lists any input event that took 16 ms or more
//    to reach the next paint.
'use strict';

const http = require('node:http');
const path = require('node:path');

const tools = process.env.TOOLS || path.join(__dirname, '..', '..', '.tools');
const { chromium } = require(path.join(tools, 'node', 'node_modules', 'playwright-core'));

const BASE = process.argv[2];
const ROWS = 150;
const RUNS = 5;
const MODELS = 2000;
const QUERY = 'nova-pro';
const NAV_BUDGET = 2;
const KEY_BUDGET_MS = 16;

// TOOLCHAIN.md's flags: they work as root and keep Chromium off the network. playwright adds
// --headless and a fresh --user-data-dir itself.
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--window-size=1280,800',
];

// UI_DIST=DIR serves the UI from DIR (a trunk dist) instead of the server's embedded copy,
// API calls still going to the server: a way to compare UI builds without rebuilding it.
const UI_DIST = process.env.UI_DIST;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

async function newContext(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (UI_DIST) {
    const fs = require('node:fs');
    await context.route(`${BASE}/**`, (route) => {
      const url = new URL(route.request().url());
      if (url.pathname.startsWith('/api/')) return route.fallback();
      let file = path.join(UI_DIST, url.pathname);
      if (url.pathname === '/' || !fs.existsSync(file)) file = path.join(UI_DIST, 'index.html');
      return route.fulfill({ status: 200, contentType: TYPES[path.extname(file)] || 'application/octet-stream',
        body: fs.readFileSync(file) });
    });
  }
  return context;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;

// In the page, before any of its scripts: resolves with performance.now() (ms since navigation
// start) in the first animation frame, i.e. just before the first paint, once `count` rows
// matching `selector` are in the document.
function installRenderProbe({ selector, count }) {
  window.__rendered = new Promise((resolve) => {
    const ready = () => document.querySelectorAll(selector).length >= count;
    const finish = () => requestAnimationFrame(() => resolve(performance.now()));
    if (ready()) return finish();
    const observer = new MutationObserver(() => {
      if (ready()) {
        observer.disconnect();
        finish();
      }
    });
    observer.observe(document, { childList: true, subtree: true });
  });
}

async function timeToTable(browser, url) {
  const context = url.startsWith(BASE) ? await newContext(browser) : await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(installRenderProbe, { selector: '[data-testid="binding-row"]', count: ROWS });
  await page.goto(url, { waitUntil: 'commit' });
  const rendered = await page.evaluate(() => window.__rendered);
  const bytes = await page.evaluate(() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    const sum = (pick) => entries.reduce((total, e) => total + pick(e), 0);
    const api = entries.filter((e) => new URL(e.name).pathname.startsWith('/api/'));
    return {
      transfer: sum((e) => e.transferSize),
      apiTransfer: api.reduce((t, e) => t + e.transferSize, 0),
      requests: entries.map((e) => `${new URL(e.name).pathname} ${e.transferSize}`),
    };
  });
  return { context, page, rendered, bytes };
}

// The app's table as static HTML: its DOM without scripts or preloads.
async function staticCopy(page) {
  return page.evaluate(() => {
    const root = document.documentElement.cloneNode(true);
    root.querySelectorAll('script, link[rel=modulepreload], link[rel=preload]').forEach((e) => e.remove());
    return `<!doctype html>\n${root.outerHTML}`;
  });
}

// A static server on 127.0.0.1:0 for the page and its stylesheet.
async function staticServer(html, cssPath, css) {
  const server = http.createServer((req, res) => {
    const [body, type] = req.url === cssPath ? [css, 'text/css; charset=utf-8'] : [html, 'text/html; charset=utf-8'];
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

async function navigation(browser) {
  const appUrl = `${BASE}/#/bindings`;
  // Warm-up (not counted), which also provides the static copy.
  const first = await timeToTable(browser, appUrl);
  const html = await staticCopy(first.page);
  const cssPath = html.match(/href="?(\/style-[^" >]+\.css)/)?.[1];
  if (!cssPath) throw new Error('no stylesheet link in the rendered page');
  const css = await (await fetch(`${BASE}${cssPath}`)).text();
  const appBytes = first.bytes;
  await first.context.close();
  const { server, url: staticUrl } = await staticServer(html, cssPath, css);
  await (await timeToTable(browser, staticUrl)).context.close();

  const app = [];
  const stat = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [list, url] of [[app, appUrl], [stat, staticUrl]]) {
      const run = await timeToTable(browser, url);
      list.push(run.rendered);
      await run.context.close();
    }
  }
  server.close();
  const ratio = median(app) / median(stat);
  console.log(`\n## Navigation to a rendered table of ${ROWS} bindings (cold cache, ${RUNS} runs each)`);
  console.log(`app    (${appUrl}): ${app.map(ms).join(', ')}; median ${ms(median(app))}`);
  console.log(`static (same table, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB HTML): ${stat.map(ms).join(', ')}; median ${ms(median(stat))}`);
  console.log(`ratio ${ratio.toFixed(2)}x (budget <= ${NAV_BUDGET}x): ${ratio <= NAV_BUDGET ? 'PASS' : 'FAIL'}`);
  console.log(`bytes transferred by the app's page load: ${appBytes.transfer} (of which /api: ${appBytes.apiTransfer})`);
  for (const line of appBytes.requests) console.log(`  ${line}`);
  return ratio <= NAV_BUDGET;
}

// A catalog answer with MODELS models: the real ones, then copies with derived ids
// (`amazon.nova-pro-v1:0` -> `amazon.nova-pro-v1-s2:0`) and names.
function syntheticCatalog(real) {
  const models = [];
  for (let copy = 1; models.length < MODELS; copy++) {
    for (const model of real.models) {
      if (models.length >= MODELS) break;
      if (copy === 1) {
        models.push(model);
        continue;
      }
      const colon = model.id.indexOf(':');
      const id = colon < 0 ? `${model.id}-s${copy}` : `${model.id.slice(0, colon)}-s${copy}${model.id.slice(colon)}`;
      models.push({ ...model, id, name: `${model.name} (copy ${copy})` });
    }
  }
  return { ...real, models };
}

async function catalogPage(browser, body) {
  const context = await newContext(browser);
  await context.route('**/api/v1/catalog', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body }));
  const page = await context.newPage();
  await page.goto(`${BASE}/#/catalog`);
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="catalog-count"]')?.textContent.includes(`${n} in the catalog`) ||
      document.querySelector('[data-testid="catalog-count"]')?.textContent.includes(`of ${n} models`),
    MODELS, { polling: 100, timeout: 60000 });
  return { context, page };
}

// In the page: one keystroke into the search box, timed until its task and the microtasks it
// queued have run, plus the style and layout it caused.
async function keystroke(key) {
  const input = document.querySelector('[data-testid="catalog-search"]');
  const t0 = performance.now();
  const del = key === 'Backspace';
  input.value = del ? input.value.slice(0, -1) : input.value + key;
  input.dispatchEvent(new InputEvent('input', {
    bubbles: true, inputType: del ? 'deleteContentBackward' : 'insertText', data: del ? null : key,
  }));
  // A message is a new task: it runs after every microtask the input queued.
  await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = resolve;
    channel.port2.postMessage(null);
  });
  const script = performance.now() - t0;
  document.body.getBoundingClientRect();
  const total = performance.now() - t0;
  const count = document.querySelector('[data-testid="catalog-count"]').textContent;
  return { ms: total, script, rows: document.querySelectorAll('[data-testid="catalog-row"]').length, count };
}

async function filtering(browser) {
  const real = await (await fetch(`${BASE}/api/v1/catalog`)).json();
  const body = JSON.stringify(syntheticCatalog(real));
  const keys = [...QUERY, ...Array(QUERY.length).fill('Backspace')];
  const samples = keys.map(() => []);
  const scripts = keys.map(() => []);
  const shown = keys.map(() => 0);
  let last;
  for (let run = 0; run < RUNS; run++) {
    const { context, page } = await catalogPage(browser, body);
    for (let k = 0; k < keys.length; k++) {
      last = await page.evaluate(keystroke, keys[k]);
      samples[k].push(last.ms);
      scripts[k].push(last.script);
      shown[k] = last.rows;
      if (k === QUERY.length - 1 && run === 0) console.log(`\nafter typing "${QUERY}": ${last.rows} rows shown; "${last.count}"`);
    }
    await context.close();
  }
  // Cross-check with real key presses: input events that took >= 16 ms to the next paint.
  const { context, page } = await catalogPage(browser, body);
  await page.evaluate(() => {
    window.__slow = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (['keydown', 'keypress', 'beforeinput', 'input', 'keyup'].includes(e.name)) {
          window.__slow.push(`${e.name} ${e.duration}ms`);
        }
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: true });
  });
  await page.click('[data-testid="catalog-search"]');
  await page.keyboard.type(QUERY, { delay: 60 });
  for (let i = 0; i < QUERY.length; i++) await page.keyboard.press('Backspace', { delay: 60 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
  const slow = await page.evaluate(() => window.__slow);
  await context.close();

  const medians = samples.map(median);
  const worst = Math.max(...medians);
  console.log(`\n## Filtering a ${MODELS}-model catalog: per keystroke, ${RUNS} runs`);
  console.log(`(catalog JSON ${(body.length / 1024).toFixed(0)} KiB, substituted for GET /api/v1/catalog)`);
  console.log('key       rows after  median (script only)   runs');
  keys.forEach((key, k) => console.log(
    `${key.padEnd(9)} ${String(shown[k]).padStart(10)}  ${ms(medians[k]).padStart(8)} (${ms(median(scripts[k]))})   ` +
    samples[k].map((x) => x.toFixed(1)).join(' ')));
  console.log(`worst keystroke median ${ms(worst)}; worst single sample ${ms(Math.max(...samples.flat()))} (budget <= ${KEY_BUDGET_MS} ms): ${worst <= KEY_BUDGET_MS ? 'PASS' : 'FAIL'}`);
  console.log(`real key presses (Event Timing, >= 16 ms to next paint): ${slow.length ? slow.join(', ') : 'none'}`);
  return worst <= KEY_BUDGET_MS;
}

(async () => {
  if (!BASE) throw new Error('usage: node browser.cjs http://127.0.0.1:PORT');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  try {
    const which = process.env.MEASURE || 'navigation,filtering';
    if (UI_DIST) console.log(`UI served from ${UI_DIST}, not from the server's embedded copy`);
    let ok = true;
    if (which.includes('navigation')) ok = (await navigation(browser)) && ok;
    if (which.includes('filtering')) ok = (await filtering(browser)) && ok;
    process.exitCode = ok ? 0 : 1;
  } finally {
    await browser.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
