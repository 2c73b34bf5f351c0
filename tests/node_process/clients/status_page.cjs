// The status page in a real browser: Debian's headless Chromium driven by puppeteer-core. Opens
// the page, gives it the API key through its own form, waits for the cluster to show, runs jobs
// through the HTTP API and watches the page follow them. Prints one JSON object of what it saw;
// the C++ test (status_page_test.cpp) judges it.
//
//   node status_page.cjs NODE_MODULES BASE_URL API_KEY CHROMIUM JOBS
"use strict";
const [modules, base, key, chromium, jobsArg] = process.argv.slice(2);
const puppeteer = require(modules + "/puppeteer-core");
const jobs = Number(jobsArg);

function until(page, fn, arg, what, timeout = 30000) {
  return page.waitForFunction(fn, {timeout, polling: 100}, arg).catch(e => {
    throw new Error("waiting for " + what + ": " + e.message);
  });
}

async function number(page, id) {
  return page.$eval("#" + id, el => Number(el.textContent));
}

async function main() {
  const out = {requests: [], page_errors: [], console_errors: []};
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    page.on("request", r => out.requests.push(r.url()));
    page.on("pageerror", e => out.page_errors.push(String(e)));
    // Chromium logs every non-2xx fetch as a console error; the first /status, sent before the
    // key is given, is answered 401 on purpose.
    page.on("console", m => {
      if (m.type() === "error" && !/status of 401/.test(m.text())) out.console_errors.push(m.text());
    });
    const response = await page.goto(base + "/", {waitUntil: "load"});
    out.page_status = response.status();
    out.content_type = response.headers()["content-type"];
    out.csp = response.headers()["content-security-policy"] || "";

    // Without the key, the page asks for it.
    await until(page, () => document.querySelector("#login.shown") !== null, null, "the key form");
    out.login_shown = await page.$eval("#login", el => el.classList.contains("shown"));
    await page.type("#key", key);
    await page.click("#key-form button");
    await until(page, () => {
      const rows = document.querySelectorAll("#nodes tbody tr");
      return rows.length === 3 &&
             [...rows].every(r => r.querySelector(".state").textContent === "up");
    }, null, "three nodes up");
    out.login_hidden = await page.$eval("#login", el => !el.classList.contains("shown"));
    out.nodes = await page.$$eval("#nodes tbody tr", rows => rows.map(r => ({
      name: r.dataset.node, state: r.querySelector(".state").textContent})));
    out.devices = await page.$$eval("#devices tbody tr", rows => rows.map(r => r.dataset.node));
    out.models = await page.$$eval("#models tbody tr", rows => rows.map(r => r.dataset.model));
    out.cluster_meta = await page.$eval("#cluster-meta", el => el.textContent);
    out.generated_before = await number(page, "generated-total");
    out.updates_before = await page.evaluate(() => Number(document.body.dataset.updates));

    // Jobs through the OpenAI endpoint; the page must follow them.
    let maxRunning = 0;
    const watch = setInterval(async () => {
      try { maxRunning = Math.max(maxRunning, await number(page, "running")); } catch (_) {}
    }, 100);
    const bodies = await Promise.all(Array.from({length: jobs}, (_, i) =>
      fetch(base + "/v1/completions", {
        method: "POST",
        headers: {"Content-Type": "application/json", "Authorization": "Bearer " + key},
        body: JSON.stringify({model: "stories260K", prompt: "Once upon a time " + i,
                              max_tokens: 400, temperature: 0}),
      }).then(r => r.json())));
    out.completion_tokens = bodies.reduce((a, b) => a + (b.usage ? b.usage.completion_tokens : 0), 0);
    await until(page, want => Number(document.getElementById("generated-total").textContent) >= want,
                out.generated_before + out.completion_tokens, "the generated total to grow");
    out.generated_after = await number(page, "generated-total");
    // The chart: the sampler records every 2 s, so the jobs' tokens reach it within a few.
    await until(page, () => Number(document.getElementById("chart").dataset.max) > 0, null,
                "a point above zero on the chart");
    clearInterval(watch);
    out.max_running_seen = maxRunning;
    out.chart_points = await page.$eval("#chart", el => Number(el.dataset.points));
    out.chart_max = await page.$eval("#chart", el => Number(el.dataset.max));
    out.updates_after = await page.evaluate(() => Number(document.body.dataset.updates));
    // What the page shows must be whole: every card and cell a value, the devices' tokens adding
    // up to the total, no error banner.
    out.devices_generated = await page.$$eval("#devices tbody tr", rows =>
      rows.reduce((a, r) => a + Number(r.children[6].textContent), 0));
    out.generated_shown = await number(page, "generated-total");
    out.broken_cells = await page.$$eval(".card .value, td", cells =>
      cells.map(c => c.textContent).filter(t => t === "" || /undefined|NaN|null/.test(t)));
    out.banner = await page.$eval("#banner", el => el.classList.contains("shown") ? el.textContent : "");
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
