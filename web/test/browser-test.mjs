// The web build in a real browser (Debian's Chromium, headless, WebGL2 on
// SwiftShader). Run by .ci/run after web/build.sh; see the README.
//
//   node browser-test.mjs URL OUT_DIR CASES.json
//
// CASES.json, written by .ci/run with the desktop build:
//   { "seconds": S,
//     "default": { "name": …, "nodes": N, "report": <desktop `run --json`> },
//     "link":    { "url": "#s=…", "name": …, "nodes": N, "report": <desktop `run LINK --json`> },
//     "level":   { "id": …, "solution": "?level=…#s=…" } }
//
// Checks: the app starts and draws (screenshot not blank), the console shows
// no errors, a share link opens its scenario in a fresh profile, a hostile
// link gets a message and the default scenario, a system built with the mouse
// survives a reload (autosave) and, shared, opens the same in a fresh profile,
// downloads and uploads work, three concepts play from the address to a
// passed checkpoint (answers marked, done marks kept), a level is played twice
// (its starting canvas fails the test; a shared solution passes with three
// stars, kept after a reload), a phone-sized page is played by touch alone,
// and the same scenario + seed gives the same report in the browser as on
// the desktop, to the bit.
import { chromium } from "playwright-core";
import { PNG } from "pngjs";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, outDir, casesFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const startTimeout = Number(process.env.START_TIMEOUT_MS || 300000);
let failures = 0;
const fail = (what) => { failures++; console.log(`FAIL ${what}`); };
const pass = (what) => console.log(`ok   ${what}`);

// Each case gets a fresh profile: nothing carries over, as for a new visitor.
// A phone is 390×844 CSS pixels, with touch and no mouse.
async function openPage(address, label, phone = false) {
  const profile = mkdtempSync(join(tmpdir(), "sd-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: phone ? { width: 390, height: 844 } : { width: 1440, height: 860 },
    ...(phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 1 } : {}),
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader", "--use-gl=angle",
      "--use-angle=swiftshader"],
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on("console", (m) => {
    const t = m.text();
    if (m.type() === "error" && !t.includes("Using exceptions for control flow")) errors.push(t);
  });
  page.on("pageerror", (e) => {
    if (!String(e).includes("Using exceptions for control flow")) errors.push(String(e));
  });
  const started = Date.now();
  await page.goto(address);
  return { context, page, errors, started, label };
}

async function waitFor(p, state) {
  await p.page.waitForFunction((s) => document.documentElement.dataset.app === s, state, { timeout: startTimeout });
  console.log(`     ${p.label}: ${state} after ${((Date.now() - p.started) / 1000).toFixed(1)} s`);
}

// A click held for a moment: at a few frames per second a press and release
// in the same frame can be missed, as a person's would not be.
async function press(p, x, y) {
  const m = p.page.mouse;
  await m.move(x, y);
  await m.down();
  await p.page.waitForTimeout(150);
  await m.up();
  await p.page.waitForTimeout(600);
}

async function dragFrom(p, x0, y0, x1, y1, shift) {
  const m = p.page.mouse;
  await m.move(x0, y0);
  if (shift) await p.page.keyboard.down("Shift");
  await m.down();
  await m.move(x1, y1, { steps: 12 });
  await m.up();
  if (shift) await p.page.keyboard.up("Shift");
  await p.page.waitForTimeout(600);
}

// Fingers, through the DevTools protocol: a tap, a finger resting (a long
// press), a drag with one finger, a pinch with two.
async function fingers(p) {
  const cdp = await p.context.newCDPSession(p.page);
  const send = (type, pts) => cdp.send("Input.dispatchTouchEvent",
    { type, touchPoints: pts.map(([x, y], id) => ({ x, y, id })) });
  const wait = (ms) => p.page.waitForTimeout(ms);
  return {
    tap: async (x, y) => { await send("touchStart", [[x, y]]); await wait(150); await send("touchEnd", []); await wait(700); },
    hold: async (x, y) => { await send("touchStart", [[x, y]]); await wait(1200); await send("touchEnd", []); await wait(700); },
    drag: async (x0, y0, x1, y1) => {
      await send("touchStart", [[x0, y0]]);
      for (let i = 1; i <= 6; i++) { await send("touchMove", [[x0 + (x1 - x0) * i / 6, y0 + (y1 - y0) * i / 6]]); await wait(60); }
      await wait(150);
      await send("touchEnd", []);
      await wait(700);
    },
    pinch: async (cx, cy, d0, d1) => {
      await send("touchStart", [[cx - d0 / 2, cy], [cx + d0 / 2, cy]]);
      for (let i = 1; i <= 8; i++) { const d = d0 + (d1 - d0) * i / 8; await send("touchMove", [[cx - d / 2, cy], [cx + d / 2, cy]]); await wait(60); }
      await send("touchEnd", []);
      await wait(700);
    },
  };
}

// A long post with an embed (#sd) of `src` near its top.
const postWithEmbed = (src, width, height) => `<html><meta name="viewport" content="width=device-width, initial-scale=1">
  <body style="margin:0;background:#fff">
  <h1 style="font:20px sans-serif;margin:8px">A post about load balancing</h1>
  <iframe id="sd" src="${src}" width="${width}" height="${height}" style="border:0"></iframe>
  <p style="font:16px sans-serif;margin:8px;height:2000px">The post goes on below the diagram.</p>
  </body></html>`;

// The embed's frame in a page that holds one (#sd), once its app runs.
async function embedded(p) {
  const frame = await (await p.page.waitForSelector("#sd")).contentFrame();
  await frame.waitForFunction(() => document.documentElement.dataset.app === "running", null, { timeout: startTimeout });
  return frame;
}

const attr = (p, name) => p.page.evaluate((n) => document.documentElement.getAttribute(n), name);

// Not blank: many colours, and a good share of pixels unlike the background.
async function screenshot(p, file) {
  const png = PNG.sync.read(await p.page.screenshot({ path: join(outDir, file) }));
  const colours = new Set();
  let differ = 0;
  const [r0, g0, b0] = png.data;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    if (Math.abs(r - r0) + Math.abs(g - g0) + Math.abs(b - b0) > 30) differ++;
  }
  const share = differ / (png.width * png.height);
  const ok = colours.size > 200 && share > 0.02;
  (ok ? pass : fail)(`${p.label}: screenshot ${file} has ${colours.size} colours, ${(100 * share).toFixed(1)} % drawn`);
}

function noErrors(p) {
  if (p.errors.length === 0) pass(`${p.label}: no console errors`);
  else fail(`${p.label}: console errors:\n  ${p.errors.slice(0, 5).join("\n  ")}`);
}

// What the app says it shows: scenario name, node and link counts.
async function shown(p) {
  return { name: await attr(p, "data-scenario"), nodes: Number(await attr(p, "data-nodes")),
    links: Number(await attr(p, "data-links")) };
}

async function expectScenario(p, name, nodes) {
  const s = await shown(p);
  (s.name === name && s.nodes === nodes ? pass : fail)(`${p.label}: shows "${s.name}" with ${s.nodes} nodes (want "${name}", ${nodes})`);
}

async function sameReport(p, want) {
  await waitFor(p, "report");
  const got = JSON.parse(await p.page.locator("#report").textContent());
  const a = JSON.stringify(got), b = JSON.stringify(want);
  if (a === b) pass(`${p.label}: report identical to the desktop's (${a.length} characters of JSON)`);
  else {
    const keys = Object.keys(want).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(want[k]));
    fail(`${p.label}: report differs from the desktop's in ${keys.join(", ")}`);
    writeFileSync(join(outDir, `${p.label}-browser.json`), JSON.stringify(got, null, 2));
  }
}

try {
  // 1. The default scenario, as a first visit.
  let p = await openPage(url, "default");
  await waitFor(p, "running");
  await p.page.waitForTimeout(8000); // let packets flow and charts fill
  await screenshot(p, "web-default.png");
  await expectScenario(p, cases.default.name, cases.default.nodes);
  noErrors(p);
  await p.context.close();

  // 2. A share link, opened in a fresh profile.
  p = await openPage(url + cases.link.url, "link");
  await waitFor(p, "running");
  await p.page.waitForTimeout(3000);
  await screenshot(p, "web-link.png");
  await expectScenario(p, cases.link.name, cases.link.nodes);
  noErrors(p);
  await p.context.close();

  // 3. A damaged link: a message naming the problem, the default scenario, no crash.
  p = await openPage(url + "#s=AQ" + "x".repeat(40) + "!", "hostile");
  await waitFor(p, "running");
  const status = await attr(p, "data-status");
  (status && status.includes("share link") ? pass : fail)(`hostile: says "${status}"`);
  await expectScenario(p, cases.default.name, cases.default.nodes);
  await screenshot(p, "web-hostile.png");
  await p.context.close();

  // 4. As a new visitor: build a small system, share it, open the link
  //    in a fresh profile and find the same system. Positions are those of
  //    the 1440×860 layout.
  p = await openPage(url, "editor");
  await waitFor(p, "running");
  const click = (x, y) => press(p, x, y);
  const drag = (x0, y0, x1, y1, shift) => dragFrom(p, x0, y0, x1, y1, shift);
  await p.page.waitForTimeout(1000);
  await click(532, 77); // close the Lessons window that greets a first visit
  await click(139, 12); // File
  await click(175, 36); // New
  await drag(85, 89, 400, 300); // palette: client
  await drag(84, 343, 700, 300); // palette: service
  await drag(400, 300, 700, 300, true); // shift-drag: connect them
  await p.page.waitForTimeout(3000);
  const built = await shown(p);
  (built.nodes === 2 && built.links === 1 ? pass : fail)(`editor: built ${built.nodes} nodes and ${built.links} links (want 2, 1)`);
  // Unsaved work survives the tab going away: the autosave (every 5 s in
  // the browser) is offered back on the next visit.
  await p.page.waitForTimeout(6000);
  await p.page.reload();
  await waitFor(p, "running");
  await p.page.waitForTimeout(1000);
  const offered = await attr(p, "data-recovery");
  (offered === "offered" ? pass : fail)(`editor: after a reload the autosave is ${offered}`);
  await click(590, 463); // "Recover it"
  await p.page.waitForTimeout(1500);
  const back = await shown(p);
  (back.nodes === 2 && back.links === 1 ? pass : fail)(`editor: recovered ${back.nodes} nodes and ${back.links} links`);
  await click(140, 11); // Share (the top bar after "Untitled •")
  await p.page.waitForTimeout(1500);
  const shared = p.page.url();
  (shared.includes("#s=") ? pass : fail)(`editor: Share put a ${shared.length}-character link in the address bar`);
  await screenshot(p, "web-editor.png");
  noErrors(p);
  await p.context.close();
  p = await openPage(shared, "editor-link");
  await waitFor(p, "running");
  await p.page.waitForTimeout(2000);
  const opened = await shown(p);
  (opened.nodes === 2 && opened.links === 1 && opened.name === "Untitled" ? pass : fail)(
    `editor-link: a fresh profile shows "${opened.name}" with ${opened.nodes} nodes and ${opened.links} links`);
  await screenshot(p, "web-editor-link.png");
  noErrors(p);
  await p.context.close();

  // 5. Files: download what is running, upload a broken file (a message
  //    naming file and line), then upload a good one (it opens).
  p = await openPage(url, "files");
  await waitFor(p, "running");
  await p.page.waitForTimeout(1000);
  const tap = (x, y) => press(p, x, y);
  await tap(532, 77); // close the Lessons window
  await tap(139, 12); // File
  const [download] = await Promise.all([p.page.waitForEvent("download"), tap(175, 150)]); // Download .ron
  const saved = join(outDir, "downloaded.ron");
  await download.saveAs(saved);
  const text = readFileSync(saved, "utf8");
  (download.suggestedFilename() === "three-tier-web-app.ron" && text.includes(`name: "${cases.default.name}"`) ? pass : fail)(
    `files: downloaded ${download.suggestedFilename()} (${text.length} bytes)`);
  const upload = async (name, body) => {
    const file = join(outDir, name);
    writeFileSync(file, body);
    await tap(139, 12); // File
    const [chooser] = await Promise.all([p.page.waitForEvent("filechooser"), tap(175, 171)]); // Upload .ron…
    await chooser.setFiles(file);
    await p.page.waitForTimeout(2000);
  };
  await upload("broken.ron", "(\n  version: 1,\n  name: \"broken\"\n  nodes: [],\n)\n");
  const said = await attr(p, "data-status");
  (said && said.startsWith("broken.ron:4") && (await attr(p, "data-status-error")) === "true" ? pass : fail)(
    `files: a broken upload says "${said}"`);
  await upload("uploaded.ron", text.replace(`name: "${cases.default.name}"`, 'name: "Uploaded copy"'));
  await expectScenario(p, "Uploaded copy", cases.default.nodes);
  await screenshot(p, "web-uploaded.png");
  await p.context.close();

  // 6. Determinism across targets: the browser's numbers equal the desktop's.
  p = await openPage(`${url}?report=${cases.seconds}`, "report-default");
  await sameReport(p, cases.default.report);
  noErrors(p);
  await p.context.close();
  p = await openPage(`${url}?report=${cases.seconds}${cases.link.url}`, "report-link");
  await sameReport(p, cases.link.report);
  await p.context.close();

  // 7. Concepts, as a learner plays them: opened by address, the question
  //    answered (the app runs the design and marks the answer), the fix
  //    loaded and its checkpoint passed on the running simulation; done
  //    marks survive a reload. Positions are those of the Learn window in
  //    the 1440×860 layout.
  const plays = [
    { id: "littles-law", answer: [200, 401], lock: [255, 443], want: "wrong", fix: [336, 583] },
    { id: "one-queue-beats-many", answer: [200, 386], lock: [255, 428], want: "right", fix: [336, 554] },
    { id: "cache-aside", fix: [336, 488] },
  ];
  let done = 0;
  for (const c of plays) {
    p = await openPage(`${url}?concept=${c.id}`, `concept-${c.id}`);
    await waitFor(p, "running");
    await p.page.waitForTimeout(1500);
    const opened = await attr(p, "data-concept");
    (opened === c.id ? pass : fail)(`concept: ?concept=${c.id} opens "${opened}"`);
    if (c.answer) {
      await press(p, ...c.answer);
      await press(p, ...c.lock);
      await p.page.waitForFunction(() => ["right", "wrong"].includes(document.documentElement.dataset.conceptAnswer),
        null, { timeout: startTimeout });
      const said = await attr(p, "data-concept-answer");
      (said === c.want ? pass : fail)(`concept ${c.id}: the answer is marked ${said} (want ${c.want})`);
    }
    await press(p, ...c.fix);
    await p.page.waitForFunction(() => document.documentElement.dataset.conceptCheckpoint === "after:passed",
      null, { timeout: startTimeout }).catch(() => {});
    const state = await attr(p, "data-concept-checkpoint");
    (state === "after:passed" ? pass : fail)(`concept ${c.id}: the fix's checkpoint is ${state}`);
    await screenshot(p, `web-concept-${c.id}.png`);
    done = Number(await attr(p, "data-concepts-done"));
    await p.page.reload();
    await waitFor(p, "running");
    const kept = Number(await attr(p, "data-concepts-done"));
    (kept >= 1 && kept === done ? pass : fail)(`concept ${c.id}: ${kept} done after a reload (was ${done})`);
    noErrors(p);
    await p.context.close();
  }

  // 8. A level, played: opened by address, its starting canvas tested and
  //    failed; then a shared solution opened, tested and passed with every
  //    star, which a reload keeps. "Run the test" sits at the foot of the
  //    level's card in the 1440×860 layout.
  const runTest = [225, 491];
  const tested = async (p, want) => {
    await p.page.waitForFunction((w) => {
      const s = document.documentElement.dataset.levelTest || "";
      return s === w || s === "failed" || s.startsWith("passed") || s === "broken";
    }, want, { timeout: startTimeout }).catch(() => {});
    return attr(p, "data-level-test");
  };
  p = await openPage(`${url}?level=${cases.level.id}`, "level-start");
  await waitFor(p, "running");
  await p.page.waitForTimeout(1500);
  const level = await attr(p, "data-level");
  (level === cases.level.id ? pass : fail)(`level: ?level=${cases.level.id} opens "${level}"`);
  let t0 = Date.now();
  await press(p, ...runTest);
  let result = await tested(p, "failed");
  (result === "failed" ? pass : fail)(`level ${cases.level.id}: the starting canvas's test is ${result} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await screenshot(p, "web-level-failed.png");
  noErrors(p);
  await p.context.close();
  p = await openPage(`${url}${cases.level.solution}`, "level-solution");
  await waitFor(p, "running");
  await p.page.waitForTimeout(1500);
  const nodes = Number(await attr(p, "data-nodes"));
  (nodes === 5 && (await attr(p, "data-level")) === cases.level.id ? pass : fail)(
    `level: a shared solution opens the level with its ${nodes} nodes`);
  t0 = Date.now();
  await press(p, ...runTest);
  result = await tested(p, "passed:3");
  (result === "passed:3" ? pass : fail)(`level ${cases.level.id}: the solution's test is ${result} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await screenshot(p, "web-level-passed.png");
  await p.page.reload();
  await waitFor(p, "running");
  const passed = Number(await attr(p, "data-levels-passed"));
  (passed === 1 ? pass : fail)(`level: ${passed} level passed after a reload`);
  noErrors(p);
  await p.context.close();
  // A second level, its solution shared the same way. Its brief is longer:
  // "Run the test" sits lower on its card.
  const l2 = cases.level2;
  p = await openPage(`${url}${l2.solution}`, "level2-solution");
  await waitFor(p, "running");
  await p.page.waitForTimeout(1500);
  const n2 = Number(await attr(p, "data-nodes"));
  (n2 === l2.nodes && (await attr(p, "data-level")) === l2.id ? pass : fail)(
    `level: ${l2.id}'s shared solution opens with its ${n2} nodes`);
  t0 = Date.now();
  await press(p, 225, 492);
  result = await tested(p, "passed:3");
  (result === "passed:3" ? pass : fail)(`level ${l2.id}: the solution's test is ${result} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await screenshot(p, "web-level2-passed.png");
  noErrors(p);
  await p.context.close();

  // A replay link: the recorded run plays back from the start and its
  // recorded fault takes effect at 10 s of sim time.
  const r = cases.replay;
  p = await openPage(url + r.url, "replay");
  await waitFor(p, "running");
  const rnodes = Number(await attr(p, "data-nodes"));
  const rsteps = Number(await attr(p, "data-replay-steps"));
  const rstate = await attr(p, "data-replay-state");
  (rnodes === r.nodes && rsteps === r.steps && rstate === "past" ? pass : fail)(
    `replay: the link opens ${rnodes} nodes, ${rsteps} recorded steps, playing back (${rstate})`);
  t0 = Date.now();
  let applied = 0;
  while (Date.now() - t0 < 40000 && applied < 1) {
    await p.page.waitForTimeout(500);
    applied = Number(await attr(p, "data-replay-applied"));
  }
  (applied >= 1 ? pass : fail)(`replay: the recorded fault was played back after ${((Date.now() - t0) / 1000).toFixed(1)} s (${applied} of ${rsteps} steps applied)`);
  await screenshot(p, "web-replay.png");
  // Export a GIF from the timeline's Replay menu: ten seconds at one frame
  // a second; the browser downloads it.
  await press(p, 1318, 672); // Replay
  await press(p, 1235, 771); // Export GIF…
  await dragFrom(p, 679, 430, 599, 430); // frames a second: 15 → 1
  const [gif] = await Promise.all([p.page.waitForEvent("download", { timeout: 120000 }), press(p, 580, 506)]); // Export
  const gifPath = join(outDir, "web-export.gif");
  await gif.saveAs(gifPath);
  const gifBytes = readFileSync(gifPath);
  const gifHeader = gifBytes.subarray(0, 6).toString("latin1");
  const gifWidth = gifBytes.readUInt16LE(6);
  (gif.suggestedFilename().endsWith(".gif") && gifHeader === "GIF89a" && gifWidth === 720 && gifBytes.length > 10000 ? pass : fail)(
    `replay: Export GIF downloaded ${gif.suggestedFilename()} (${gifHeader}, ${gifWidth} px wide, ${gifBytes.length} bytes)`);
  noErrors(p);
  await p.context.close();
  // An embed of a share link in another page's <iframe>: the canvas, the
  // play controls and the one chart asked for.
  p = await openPage(`${url}blank.html`, "embed");
  await p.page.setContent(postWithEmbed(`${url}?embed=latency${cases.link.url}`, 900, 520));
  let frame = await embedded(p);
  await p.page.waitForTimeout(5000);
  const embedNodes = Number(await frame.evaluate(() => document.documentElement.getAttribute("data-nodes")));
  const embedChart = await frame.evaluate(() => document.documentElement.getAttribute("data-embed"));
  (embedNodes === cases.link.nodes && embedChart === "latency" ? pass : fail)(
    `embed: the link's ${embedNodes} nodes in an iframe, showing the ${embedChart} chart`);
  await screenshot(p, "web-embed.png");
  // The wheel over the diagram scrolls the post; with Ctrl it zooms the diagram.
  const scrolled = () => p.page.evaluate(() => window.scrollY);
  const zoomOf = (f) => f.evaluate(() => Number(document.documentElement.getAttribute("data-zoom")));
  let zoomBefore = await zoomOf(frame);
  await p.page.mouse.move(450, 300);
  await p.page.mouse.wheel(0, 400);
  await p.page.waitForTimeout(1000);
  let [pageY, zoomNow] = [await scrolled(), await zoomOf(frame)];
  (pageY > 100 && zoomNow === zoomBefore ? pass : fail)(`embed: the wheel over the diagram scrolls the page (${pageY} px), zoom stays ${zoomNow}`);
  await p.page.evaluate(() => window.scrollTo(0, 0));
  await p.page.waitForTimeout(500);
  await p.page.mouse.move(450, 300);
  await p.page.keyboard.down("Control");
  await p.page.mouse.wheel(0, -300);
  await p.page.keyboard.up("Control");
  await p.page.waitForTimeout(1000);
  [pageY, zoomNow] = [await scrolled(), await zoomOf(frame)];
  (pageY === 0 && zoomNow < zoomBefore ? pass : fail)(`embed: Ctrl + wheel zooms the diagram (${zoomBefore} → ${zoomNow}), the page stays (${pageY} px)`);
  noErrors(p);
  await p.context.close();
  // The same on a phone: one finger scrolls the post, two pinch the diagram.
  p = await openPage(`${url}blank.html`, "embed on a phone", true);
  await p.page.setContent(postWithEmbed(`${url}?embed=latency${cases.link.url}`, 390, 420));
  frame = await embedded(p);
  await p.page.waitForTimeout(3000);
  const finger = await fingers(p);
  zoomBefore = await zoomOf(frame);
  await finger.drag(195, 400, 195, 120);
  [pageY, zoomNow] = [await scrolled(), await zoomOf(frame)];
  const picked = await frame.evaluate(() => document.documentElement.getAttribute("data-selected"));
  (pageY > 100 && zoomNow === zoomBefore && !picked ? pass : fail)(
    `embed on a phone: one finger scrolls the page (${pageY} px), the diagram stays (zoom ${zoomNow}, selected "${picked || ""}")`);
  await p.page.evaluate(() => window.scrollTo(0, 0));
  await p.page.waitForTimeout(500);
  await finger.pinch(195, 250, 60, 220);
  [pageY, zoomNow] = [await scrolled(), await zoomOf(frame)];
  (pageY === 0 && zoomNow < zoomBefore ? pass : fail)(`embed on a phone: two fingers zoom the diagram (${zoomBefore} → ${zoomNow}), the page stays (${pageY} px)`);
  noErrors(p);
  await p.context.close();
  // 9. A phone, by touch alone: the panels fold into drawers; the lessons
  //    greet a first visit and one starts; a new system gets two nodes
  //    from the palette drawer, a link drawn from the first node's rim and
  //    a fault from the menu a resting finger opens; two fingers zoom.
  //    Positions are those of the 390×844 layout.
  p = await openPage(url, "phone", true);
  await waitFor(p, "running");
  await p.page.waitForTimeout(1500);
  const touch = await fingers(p);
  const layout = await attr(p, "data-layout");
  (layout === "compact" ? pass : fail)(`phone: the layout is ${layout}`);
  await screenshot(p, "web-phone.png");
  await touch.tap(153, 278); // the WhatsApp lesson's Start
  const lessonAt = await attr(p, "data-lesson");
  (lessonAt === "whatsapp:1" ? pass : fail)(`phone: a tap starts the lesson (${lessonAt})`);
  await screenshot(p, "web-phone-lesson.png");
  await touch.tap(372, 77); // close the Learn window
  await touch.tap(20, 14); // the menu
  await touch.tap(30, 68); // New
  await touch.tap(60, 14); // + Add
  await touch.tap(85, 112); // client (lands in the middle of the canvas)
  await touch.tap(60, 14); // + Add
  await touch.tap(85, 367); // service (lands below it)
  const added = await shown(p);
  (added.nodes === 2 && added.links === 0 ? pass : fail)(`phone: the palette drawer added ${added.nodes} nodes`);
  await touch.drag(235, 444, 195, 594); // from the client's rim to the service
  const linked = await shown(p);
  (linked.links === 1 ? pass : fail)(`phone: a drag from a node's rim drew ${linked.links} link`);
  // The client, selected, was brought up above the inspector drawer (and
  // the service with it).
  await touch.tap(27, 476); // close the inspector drawer
  await touch.hold(195, 405); // a finger resting on the service: its fault menu
  await touch.tap(97, 460); // Kill
  const faults = Number(await attr(p, "data-faults"));
  (faults === 1 ? pass : fail)(`phone: a long press and a tap injected ${faults} fault`);
  await screenshot(p, "web-phone-fault.png");
  const zoom0 = Number(await attr(p, "data-zoom"));
  await touch.pinch(195, 250, 100, 200);
  const zoom1 = Number(await attr(p, "data-zoom"));
  (zoom1 < zoom0 * 0.7 ? pass : fail)(`phone: spreading two fingers zooms in (scale ${zoom0} → ${zoom1})`);
  noErrors(p);
  await p.context.close();
  // Played headless in the page to 15 s: the desktop's report, bit for bit.
  p = await openPage(`${url}?report=${r.seconds}${r.url}`, "report-replay");
  await sameReport(p, r.report);
  noErrors(p);
  await p.context.close();
} catch (e) {
  fail(String(e));
}
console.log(failures ? `${failures} check(s) failed` : "all browser checks passed");
process.exit(failures ? 1 : 0);
