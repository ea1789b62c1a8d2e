// Opens an HTML report of ppob-contract in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core from target/report-tools) and prints what a reader would meet,
// as JSON: console errors and page errors, every request the page made besides its own file,
// the counts the page carries, where failing and passing cases sit, and whether the
// "only what failed" switch hides the passing ones.
//
//   PPOB_REPORT_TOOLS=target/report-tools node tests/report-tools/html.mjs REPORT.html
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const tools = process.env.PPOB_REPORT_TOOLS;
const require = createRequire(path.join(path.resolve(tools), 'package.json'));
const { chromium } = require('playwright-core');

const file = path.resolve(process.argv[2]);
const url = pathToFileURL(file).href;
const browser = await chromium.launch({
  executablePath: process.env.PPOB_CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const consoleErrors = [];
  const requests = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  const seen = await page.evaluate(() => {
    const cases = [...document.querySelectorAll('details.case')];
    const top = (el) => el.getBoundingClientRect().top + window.scrollY;
    const failing = cases.filter((c) => c.dataset.failing === 'true');
    const passing = cases.filter((c) => c.dataset.failing !== 'true');
    return {
      data: { ...document.body.dataset },
      title: document.title,
      cases: cases.length,
      failingCases: failing.length,
      caseOrder: cases.map((c) => c.dataset.failing === 'true'),
      firstFailingTop: failing.length ? top(failing[0]) : null,
      firstPassingTop: passing.length ? top(passing[0]) : null,
      viewportHeight: window.innerHeight,
      findings: document.querySelectorAll('.finding[data-rule]').length,
      documents: document.querySelectorAll('#documents details').length,
      steps: document.querySelectorAll('li.step').length,
      rules: document.querySelectorAll('.rule').length,
      coverage: !!document.getElementById('coverage'),
      text: document.body.innerText,
    };
  });
  await page.click('#only-failing');
  seen.passingVisibleAfterSwitch = await page.evaluate(
    () => [...document.querySelectorAll('.passing')].filter((e) => e.offsetParent !== null).length,
  );
  seen.consoleErrors = consoleErrors;
  seen.requests = requests;
  process.stdout.write(JSON.stringify(seen));
} finally {
  await browser.close();
}
