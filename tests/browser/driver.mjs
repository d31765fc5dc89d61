// One small browser-driver interface for the browser tests, with a back end
// per engine:
//
//   chromium  Debian's Chromium through playwright-core (CDP)
//   firefox   Debian's Firefox ESR through puppeteer-core (WebDriver BiDi)
//   webkit    MiniBrowser (WebKitGTK) through selenium-webdriver and a
//             WebKitWebDriver this module starts, on an Xvfb display it
//             starts when none is set (MiniBrowser has no headless mode)
//
// playwright-core cannot drive Debian's Firefox or WebKit (it needs its own
// builds, which cannot be downloaded here), hence three back ends.
//
//   const browser = await launch("firefox");
//   const context = await browser.newContext();      // storage of its own
//   const [a, b] = [await context.newPage(), await context.newPage()]; // tabs sharing it
//   await a.goto(url); await a.click("#btn"); await a.textContent("#out");
//
// Page reads (text, values, attributes, visibility) are evaluated in the
// page the same way in every engine; input (click, fill, keys, select) goes
// through each engine's own input path. BROWSERS=chromium,firefox,webkit
// (default: all three) says which engines the tests run in.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";

export const ENGINES = ["chromium", "firefox", "webkit"];

/** The engines to test in: $BROWSERS (comma-separated), else all three. */
export function engines() {
  const wanted = (process.env.BROWSERS ?? ENGINES.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const e of wanted) if (!ENGINES.includes(e)) throw new Error(`BROWSERS: unknown engine ${e} (${ENGINES.join(", ")})`);
  return wanted;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export const PATHS = {
  chromium: process.env.CHROMIUM ?? "/usr/bin/chromium",
  firefox: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
  webkitDriver: process.env.WEBKIT_WEBDRIVER ?? "/usr/bin/WebKitWebDriver",
  miniBrowser: process.env.MINIBROWSER ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
};

/** How long a browser or a WebDriver session may take to start. */
export const START_TIMEOUT_MS = Number(process.env.BROWSER_START_TIMEOUT_MS ?? 60_000);
const DEFAULT_TIMEOUT_MS = 15_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with `what` when `promise` takes longer than `ms`. */
export function bounded(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const BACK_ENDS = { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit };

/**
 * Starts `engine`: { engine, newContext(), newPage(), close() }. A context's
 * pages are tabs sharing storage; `newPage()` opens one in a context of its
 * own, which closing the page closes.
 */
export async function launch(engine) {
  const start = BACK_ENDS[engine];
  if (!start) throw new Error(`unknown engine ${engine}`);
  const browser = await start();
  browser.newPage = async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.close = () => context.close();
    return page;
  };
  return browser;
}

// --- what every back end shares ------------------------------------------

/**
 * A tab. Back ends provide: goto, evaluateSource(source, arg), click, fill, press,
 * selectOption, screenshot, setViewportSize, bringToFront, close, and the
 * error list; the rest is built on `evaluate` here, so that reading the page
 * is the same in every engine.
 */
class Page {
  constructor(engine) {
    this.engine = engine;
    this.timeout = DEFAULT_TIMEOUT_MS;
    this.errors = [];
  }

  setDefaultTimeout(ms) {
    this.timeout = ms;
  }

  /** Polls `fn(arg)` in the page until it returns a truthy value, which it returns. */
  async waitForFunction(fn, arg, { timeout = this.timeout, interval = 50 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, arg);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`${this.engine}: timed out after ${timeout} ms waiting for ${fn}`);
      await sleep(interval);
    }
  }

  waitForTimeout(ms) {
    return sleep(ms);
  }

  /** Waits until `selector` is on the page, shown and enabled (as an action needs it). */
  async waitActionable(selector) {
    await this.waitForFunction(
      (s) => {
        const el = document.querySelector(s);
        if (!el || el.disabled) return false;
        const style = getComputedStyle(el);
        return style.visibility !== "hidden" && el.getClientRects().length > 0;
      },
      selector,
    ).catch((e) => {
      throw new Error(`${this.engine}: ${selector} is not there to act on: ${e.message}`);
    });
  }

  /** Evaluates `fn(arg)` in the page (awaiting a promise it returns). */
  evaluate(fn, arg) {
    return this.evaluateSource(String(fn), arg);
  }

  /** `fn(element)` for the first element `selector` matches. */
  $eval(selector, fn) {
    const source = `(s) => {
      const el = document.querySelector(s);
      if (!el) throw new Error("no element matches " + s);
      return (${fn})(el);
    }`;
    return this.evaluateSource(source, selector);
  }

  /** `fn(elements)` for every element `selector` matches. */
  $$eval(selector, fn) {
    return this.evaluateSource(`(s) => (${fn})([...document.querySelectorAll(s)])`, selector);
  }

  textContent(selector) {
    return this.$eval(selector, (el) => el.textContent);
  }

  inputValue(selector) {
    return this.$eval(selector, (el) => el.value);
  }

  getAttribute(selector, name) {
    return this.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name]);
  }

  isChecked(selector) {
    return this.$eval(selector, (el) => el.checked);
  }

  isVisible(selector) {
    return this.evaluate((s) => {
      const el = document.querySelector(s);
      return !!el && getComputedStyle(el).visibility !== "hidden" && el.getClientRects().length > 0;
    }, selector);
  }

  focus(selector) {
    return this.$eval(selector, (el) => el.focus());
  }

  /** Clicks a checkbox or radio unless it is checked already. */
  async check(selector) {
    if (!(await this.isChecked(selector))) await this.click(selector);
    if (!(await this.isChecked(selector))) throw new Error(`${this.engine}: clicking ${selector} did not check it`);
  }

  /** Errors the page threw or logged with console.error since it was opened. */
  async pageErrors() {
    return [...this.errors];
  }
}

// --- Chromium: playwright-core -------------------------------------------

/** Headless Debian Chromium (playwright-core cannot download its own). */
async function launchChromium() {
  const { chromium } = await import("playwright-core");
  const browser = await bounded(
    chromium.launch({ executablePath: PATHS.chromium, headless: true, args: CHROMIUM_ARGS }),
    START_TIMEOUT_MS,
    "Chromium launch",
  );
  const wrapContext = (ctx) => ({
    newPage: async () => new PlaywrightPage(await ctx.newPage()),
    close: () => ctx.close(),
  });
  return {
    engine: "chromium",
    newContext: async () => wrapContext(await browser.newContext()),
    close: () => browser.close(),
  };
}

class PlaywrightPage extends Page {
  constructor(page) {
    super("chromium");
    this.page = page;
    page.on("pageerror", (e) => this.errors.push(`pageerror: ${e.message}`));
    // Chromium logs every 4xx/5xx answer as "Failed to load resource": the
    // tests cause those on purpose. Anything else is a page bug.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) this.errors.push(`console: ${m.text()}`);
    });
  }
  goto(url) {
    return this.page.goto(url);
  }
  evaluateSource(source, arg) {
    return this.page.evaluate(`(${source})(${JSON.stringify(arg) ?? "undefined"})`);
  }
  async click(selector) {
    await this.page.click(selector, { timeout: this.timeout });
  }
  async fill(selector, value) {
    await this.page.fill(selector, value, { timeout: this.timeout });
  }
  async selectOption(selector, value) {
    await this.page.selectOption(selector, value, { timeout: this.timeout });
  }
  press(key) {
    return this.page.keyboard.press(key);
  }
  async screenshot(path) {
    await this.page.screenshot({ path, fullPage: true });
  }
  setViewportSize(size) {
    return this.page.setViewportSize(size);
  }
  bringToFront() {
    return this.page.bringToFront();
  }
  close() {
    return this.page.close();
  }
}

// --- Firefox: puppeteer-core over WebDriver BiDi --------------------------

async function launchFirefox() {
  const { default: puppeteer } = await import("puppeteer-core");
  const browser = await bounded(
    puppeteer.launch({
      browser: "firefox",
      executablePath: PATHS.firefox,
      headless: true,
      protocolTimeout: START_TIMEOUT_MS,
      extraPrefsFirefox: {
        // Background tabs keep running their timers as a visible one does
        // not; the tests drive several tabs at once.
        "dom.min_background_timeout_value": 4,
        "browser.tabs.remote.autostart": true,
      },
    }),
    START_TIMEOUT_MS,
    "Firefox launch",
  );
  // Tabs share a window: input goes to the active tab only, so a tab is
  // activated and given its input in one turn.
  const turns = { queue: Promise.resolve() };
  const wrapContext = (ctx) => ({
    newPage: async () => new PuppeteerPage(await ctx.newPage(), turns),
    close: () => ctx.close(),
  });
  return {
    engine: "firefox",
    newContext: async () => wrapContext(await browser.createBrowserContext()),
    close: () => browser.close(),
  };
}

/** Playwright's key names as puppeteer's. */
const PUPPETEER_KEYS = { Space: " " };

class PuppeteerPage extends Page {
  constructor(page, turns) {
    super("firefox");
    this.page = page;
    this.turns = turns;
    page.on("pageerror", (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && this.errors.push(`console: ${m.text()}`));
  }
  async goto(url) {
    await this.page.goto(url);
  }
  evaluateSource(source, arg) {
    return this.page.evaluate(`(${source})(${JSON.stringify(arg) ?? "undefined"})`);
  }
  /** Activates this tab and runs `fn` before any other tab gets input. */
  input(fn) {
    const turn = this.turns.queue.then(async () => {
      await this.page.bringToFront();
      return fn();
    });
    this.turns.queue = turn.catch(() => {});
    return bounded(turn, this.timeout + 5_000, `${this.engine} input`);
  }
  async click(selector) {
    await this.waitActionable(selector);
    await this.input(() => this.page.click(selector));
  }
  async fill(selector, value) {
    await this.waitActionable(selector);
    await this.input(() => this.page.locator(selector).fill(value));
  }
  async selectOption(selector, value) {
    await this.waitActionable(selector);
    const chosen = await this.input(() => this.page.select(selector, value));
    if (!chosen.includes(value)) throw new Error(`${selector} has no option ${value}`);
  }
  press(key) {
    return this.input(() => this.page.keyboard.press(PUPPETEER_KEYS[key] ?? key));
  }
  async screenshot(path) {
    await this.page.screenshot({ path, fullPage: true });
  }
  setViewportSize(size) {
    return this.page.setViewport(size);
  }
  bringToFront() {
    return this.input(() => {});
  }
  close() {
    return this.page.close();
  }
}

// --- WebKit: selenium-webdriver + WebKitWebDriver + MiniBrowser ----------

/** Child processes this module started, ended when Node exits. */
const children = new Set();
process.on("exit", () => {
  for (const child of children) killGroup(child);
});

function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
  children.delete(child);
}

function startChild(command, args, env) {
  const child = spawn(command, args, { detached: true, stdio: ["ignore", "ignore", "pipe", "pipe"], env });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  child.stderrText = () => stderr;
  return child;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.listen(0, "127.0.0.1", resolve).on("error", reject));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An X display for MiniBrowser: $DISPLAY when set, else an Xvfb of our own. */
async function display() {
  if (process.env.DISPLAY) return { name: process.env.DISPLAY, close() {} };
  // -displayfd: Xvfb picks a free display and writes its number on fd 3
  // once it accepts connections.
  const xvfb = startChild("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], process.env);
  const number = await bounded(
    new Promise((resolve, reject) => {
      let text = "";
      xvfb.stdio[3].on("data", (d) => {
        text += d;
        if (text.includes("\n")) resolve(text.trim());
      });
      xvfb.on("exit", (code) => reject(new Error(`Xvfb exited (${code}): ${xvfb.stderrText()}`)));
    }),
    START_TIMEOUT_MS,
    "Xvfb start",
  );
  return { name: `:${number}`, close: () => killGroup(xvfb) };
}

async function launchWebKit() {
  for (const [what, path] of [["WebKitWebDriver", PATHS.webkitDriver], ["MiniBrowser", PATHS.miniBrowser]]) {
    if (!existsSync(path)) throw new Error(`${what} not found at ${path}: run scripts/install.sh`);
  }
  const screen = await display();
  const sessions = new Set();
  return {
    engine: "webkit",
    // A WebKitWebDriver serves one session, and a session's windows share
    // storage: a context is a driver and a MiniBrowser of its own.
    newContext: async () => {
      const session = await WebKitSession.start(screen.name);
      sessions.add(session);
      return {
        newPage: () => session.newPage(),
        close: async () => {
          sessions.delete(session);
          await session.close();
        },
      };
    },
    close: async () => {
      await Promise.all([...sessions].map((s) => s.close()));
      screen.close();
    },
  };
}

class WebKitSession {
  static async start(displayName) {
    const { Builder } = await import("selenium-webdriver");
    const port = await freePort();
    const driverProcess = startChild(PATHS.webkitDriver, [`--port=${port}`], { ...process.env, DISPLAY: displayName });
    const capabilities = {
      browserName: "MiniBrowser",
      // A binary without args matches no browser; --automation lets the
      // driver control it.
      "webkitgtk:browserOptions": { binary: PATHS.miniBrowser, args: ["--automation"] },
    };
    try {
      // Without a display MiniBrowser never comes up and the driver never
      // answers: the bound turns that hang into an error.
      const driver = await bounded(
        (async () => {
          for (let attempt = 0; ; attempt++) {
            try {
              return await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
            } catch (e) {
              // The driver may not listen yet.
              if (attempt > 50 || !/ECONNREFUSED/.test(String(e))) throw e;
              await sleep(100);
            }
          }
        })(),
        START_TIMEOUT_MS,
        `WebKit session on display ${displayName}`,
      );
      return new WebKitSession(driver, driverProcess, await driver.getWindowHandle());
    } catch (e) {
      killGroup(driverProcess);
      throw new Error(`${e.message}\n${driverProcess.stderrText()}`, { cause: e });
    }
  }

  constructor(driver, driverProcess, firstWindow) {
    this.driver = driver;
    this.process = driverProcess;
    this.unusedWindow = firstWindow;
    this.current = firstWindow;
    this.queue = Promise.resolve();
  }

  /**
   * Runs `fn` with `window` current. WebDriver has one current window per
   * session, so commands for the session's tabs take turns.
   */
  run(window, fn) {
    const turn = this.queue.then(async () => {
      if (window && this.current !== window) {
        await this.driver.switchTo().window(window);
        this.current = window;
      }
      return fn(this.driver);
    });
    this.queue = turn.catch(() => {});
    return turn;
  }

  async newPage() {
    let handle = this.unusedWindow;
    this.unusedWindow = null;
    if (!handle) {
      handle = await this.run(null, async (d) => {
        await d.switchTo().newWindow("window");
        return (this.current = await d.getWindowHandle());
      });
    }
    return new WebKitPage(this, handle);
  }

  async close() {
    await bounded(this.driver.quit(), 10_000, "WebKit session end").catch(() => {});
    killGroup(this.process);
  }
}

/**
 * Stands in for the error events WebKitWebDriver does not send: installed
 * after each navigation, it keeps what the page throws or logs with
 * console.error from then on.
 */
function watchErrors() {
  if (window.__driverErrors) return;
  const errors = (window.__driverErrors = []);
  addEventListener("error", (e) => errors.push(`pageerror: ${e.message}`));
  addEventListener("unhandledrejection", (e) => errors.push(`pageerror: ${e.reason?.message ?? e.reason}`));
  const original = console.error.bind(console);
  console.error = (...args) => {
    errors.push(`console: ${args.join(" ")}`);
    original(...args);
  };
}

const SELENIUM_KEYS = { ArrowDown: "ARROW_DOWN", ArrowUp: "ARROW_UP", Enter: "ENTER", Space: "SPACE", Tab: "TAB", Escape: "ESCAPE" };

class WebKitPage extends Page {
  constructor(session, handle) {
    super("webkit");
    this.session = session;
    this.handle = handle;
  }
  run(fn) {
    return this.session.run(this.handle, fn);
  }
  async goto(url) {
    await this.run((d) => d.get(url));
    await this.evaluate(watchErrors);
  }
  async evaluateSource(source, arg) {
    // Execute Script awaits a returned promise, as page.evaluate does, but
    // answers null for undefined: the wrapper keeps the difference.
    const script = `return Promise.resolve((${source}).apply(null, arguments))
      .then((v) => (v === undefined ? { undefined: true } : { value: v }));`;
    const answer = await this.run((d) => d.executeScript(script, arg));
    return answer.undefined ? undefined : answer.value;
  }
  async element(selector) {
    const { By } = await import("selenium-webdriver");
    await this.waitActionable(selector);
    return { By, find: (d) => d.findElement(By.css(selector)) };
  }
  async click(selector) {
    const { find } = await this.element(selector);
    // WebDriver clicks the element's centre and refuses when something else
    // (a sticky bar) covers it there: centre it in the viewport first.
    for (let attempt = 0; ; attempt++) {
      await this.$eval(selector, (el) => el.scrollIntoView({ block: "center", inline: "center" }));
      try {
        await this.run(async (d) => (await find(d)).click());
        return;
      } catch (e) {
        if (attempt >= 3 || e.name !== "ElementClickInterceptedError") throw e;
        await sleep(100);
      }
    }
  }
  async fill(selector, value) {
    const { find } = await this.element(selector);
    await this.run(async (d) => {
      const el = await find(d);
      await el.clear();
      await el.sendKeys(value);
    });
  }
  async selectOption(selector, value) {
    const { By } = await this.element(selector);
    await this.run(async (d) => (await d.findElement(By.css(`${selector} option[value="${value}"]`))).click());
    const now = await this.inputValue(selector);
    if (now !== value) throw new Error(`${selector}: chose ${value}, shows ${now}`);
  }
  async press(key) {
    const { Key } = await import("selenium-webdriver");
    const name = SELENIUM_KEYS[key];
    if (!name) throw new Error(`press: no WebDriver key for ${key}`);
    await this.run((d) => d.actions().sendKeys(Key[name]).perform());
  }
  async screenshot(path) {
    writeFileSync(path, Buffer.from(await this.run((d) => d.takeScreenshot()), "base64"));
  }
  async setViewportSize({ width, height }) {
    await this.run((d) => d.manage().window().setRect({ width, height }));
  }
  async bringToFront() {
    await this.run(() => {});
  }
  async pageErrors() {
    return (await this.evaluate(() => window.__driverErrors ?? [])) ?? [];
  }
  async close() {
    await this.run((d) => d.close());
  }
}
