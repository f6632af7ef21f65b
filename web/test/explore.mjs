// Exploration helper (not part of the test): node explore.mjs URL OUT "tap x y; drag x0 y0 x1 y1; hold x y; pinch cx cy d0 d1; wait ms; shot name"
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const [url, out, script] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "sd-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium", headless: true,
  viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1,
  args: ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--use-gl=angle", "--use-angle=swiftshader"],
});
const page = context.pages()[0] || await context.newPage();
page.on("console", (m) => { if (m.type() === "error" || m.text().includes("pinchdbg")) console.log("console:", m.text().slice(0, 300)); });
await page.goto(url);
await page.waitForFunction(() => document.documentElement.dataset.app === "running", null, { timeout: 300000 });
await page.waitForTimeout(2000);
const cdp = await context.newCDPSession(page);
const touch = (type, pts) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: pts.map(([x, y], i) => ({ x, y, id: i })) });
const wait = (ms) => page.waitForTimeout(ms);
for (const step of script.split(";").map((s) => s.trim()).filter(Boolean)) {
  const [cmd, ...a] = step.split(/\s+/);
  const n = a.map(Number);
  if (cmd === "tap") { await touch("touchStart", [[n[0], n[1]]]); await wait(150); await touch("touchEnd", []); await wait(700); }
  else if (cmd === "hold") { await touch("touchStart", [[n[0], n[1]]]); await wait(1200); await touch("touchEnd", []); await wait(700); }
  else if (cmd === "drag") {
    await touch("touchStart", [[n[0], n[1]]]);
    for (let i = 1; i <= 6; i++) { await touch("touchMove", [[n[0] + (n[2] - n[0]) * i / 6, n[1] + (n[3] - n[1]) * i / 6]]); await wait(60); }
    await wait(150); await touch("touchEnd", []); await wait(700);
  } else if (cmd === "pinch") {
    const [cx, cy, d0, d1] = n;
    await touch("touchStart", [[cx - d0 / 2, cy], [cx + d0 / 2, cy]]); await wait(150);
    for (let i = 1; i <= 12; i++) { const d = d0 + (d1 - d0) * i / 12; await touch("touchMove", [[cx - d / 2, cy], [cx + d / 2, cy]]); await wait(60); }
    await touch("touchEnd", []); await wait(700);
  } else if (cmd === "wait") await wait(n[0]);
  else if (cmd === "shot") await page.screenshot({ path: join(out, a[0] + ".png") });
  const attrs = await page.evaluate(() => Object.fromEntries([...document.documentElement.attributes].filter((x) => /layout|nodes|links|selected|zoom|faults|lesson/.test(x.name)).map((x) => [x.name.slice(5), x.value])));
  console.log(step, JSON.stringify(attrs));
}
await context.close();
