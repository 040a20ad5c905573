// The browser half of tests/e2e/test_webmail.sh: Roundcube at URL with the
// mailsec plugin, driven in headless Debian Chromium by playwright-core.
// Prints one "ok - ..." / "not ok - ..." line per check; a screenshot of
// each step goes to SHOTS. Exit 1 if any check failed.
import { createRequire } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core'); // from NODE_PATH
const { URL, SHOTS, MAILBOX, PASSWORD, IMAP_PORT, WEBMAIL_PORT, CLIENT,
  MAILSECCTL, MAILSEC_CONFIG, DOVECOT_LOG, WEBMAIL_HOST, TLS_DIR, RC_LOG_DIR } = process.env;

let failed = 0;
let step = 0;
function check(what, ok) {
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}`);
  if (!ok) failed++;
}

// mailsec.conf's value of KEY (a number), or the default of mailsec.conf(5).
function setting(key, byDefault) {
  const conf = readFileSync(MAILSEC_CONFIG, 'utf8').replace(/#.*$/gm, '');
  const found = new RegExp(`\\b${key}\\s*=\\s*(\\d+)`).exec(conf);
  return found ? Number(found[1]) : byDefault;
}
const PERIOD = setting('period', 30);
const WINDOW = setting('window', 1);

// code(step): the TOTP code of the secret read from the page, for the
// current step or the one given.
let secret = '';
const currentStep = () => Math.floor(Date.now() / 1000 / PERIOD);
function code(step = currentStep(), key = secret) {
  return execFileSync('oathtool', ['--totp', '-b', key, '-s', `${PERIOD}s`, '-N', `@${step * PERIOD}`],
    { encoding: 'utf8' }).trim();
}

// The app's next code of KEY: one step newer than the last one used (an
// older or equal step is a replay), within the totp.window steps around
// now that the module takes; not yet within it, the code waits for its
// step. The window's oldest step only while 5 s or more of the current one
// are left: it must still be in the window when the module checks it.
// `use: false` shows the code without using it up.
const lastStep = new Map();
async function freshCode(key = secret, { use = true } = {}) {
  for (;;) {
    const now = Date.now() / 1000;
    const current = Math.floor(now / PERIOD);
    const earliest = current - WINDOW + (now % PERIOD > PERIOD - 5 ? 1 : 0);
    const step = Math.max((lastStep.get(key) ?? -Infinity) + 1, earliest);
    if (step <= current + WINDOW) {
      if (use) lastStep.set(key, step);
      return code(step, key);
    }
    await new Promise((resolve) => setTimeout(resolve, ((step - WINDOW) * PERIOD - now) * 1000 + 200));
  }
}

// An IMAP client (not the webmail; STARTTLS on the clients' port) logging
// in with the mailbox password or the one given: 0 ok, 1 refused.
function imapClient(password = PASSWORD) {
  try {
    execFileSync('python3', [CLIENT, 'imap', '127.0.0.9', IMAP_PORT, MAILBOX],
      { input: password + '\n', stdio: ['pipe', 'ignore', 'ignore'] });
    return 0;
  } catch (e) {
    return e.status;
  }
}

// An IMAP client of the mailbox in IDLE on the clients' port (client.py
// --hold), in the background: `held` resolves once it is in IDLE (false
// if it never got there), `closed` with when the server ended the
// connection (ms since 1970), or null when it was still open after 10 s.
function idleClient(password = PASSWORD) {
  const child = spawn('python3', [CLIENT, '--hold', '--timeout', '10', 'imap', '127.0.0.10', IMAP_PORT, MAILBOX],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (data) => { out += data; });
  child.stdin.end(password + '\n');
  const ended = new Promise((resolve) => child.on('exit', resolve));
  const held = new Promise((resolve) => {
    const poll = setInterval(() => {
      if (out.includes('held\n')) { clearInterval(poll); resolve(true); }
    }, 50);
    ended.then(() => { clearInterval(poll); resolve(out.includes('held\n')); });
  });
  const closed = ended.then((status) => {
    const at = /^closed ([\d.]+)$/m.exec(out);
    return status === 0 && at ? Number(at[1]) * 1000 : null;
  });
  return { held, closed };
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
let page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.setDefaultTimeout(20000);

async function shot(name) {
  step++;
  await page.screenshot({ path: `${SHOTS}/${String(step).padStart(2, '0')}-${name}.png` });
}

// The screenshots that the help articles and README show, under names of
// their own in SHOTS/help/ (`make help-screenshots` takes them into the
// source tree): the whole page, or only PART of it and a margin.
mkdirSync(`${SHOTS}/help`, { recursive: true });
async function helpShot(name, part) {
  const path = `${SHOTS}/help/${name}.png`;
  if (!part) return page.screenshot({ path });
  const box = await part.boundingBox();
  const margin = 12;
  const x = Math.max(0, box.x - margin);
  const y = Math.max(0, box.y - margin);
  return page.screenshot({ path, clip: { x, y, width: box.width + 2 * margin, height: box.height + 2 * margin } });
}

let loginShown = false;
async function login(code, mailbox = MAILBOX, password = PASSWORD) {
  await page.goto(URL);
  await page.fill('#rcmloginuser', mailbox);
  await page.fill('#rcmloginpwd', password);
  await page.fill('#rcmloginmailseccode', code);
  await shot(code ? 'login-with-code' : 'login');
  if (code && mailbox === MAILBOX && !loginShown) {
    await helpShot('login', page.locator('#login-form'));
    loginShown = true;
  }
  await page.click('#rcmloginsubmit');
  await page.waitForLoadState('networkidle');
  return page.url().includes('_task=mail');
}

async function logout() {
  await page.click('#taskmenu a.logout');
  await page.waitForSelector('#rcmloginuser');
}

// The settings section: its form is in the preferences frame.
const SECTIONS = { mailsec2fa: 'Two-factor Authentication', mailsecaccess: 'Non-Webmail Access',
  mailsecactivity: 'Recent activity' };
async function section(id, name = SECTIONS[id]) {
  await page.goto(`${URL}?_task=settings&_action=preferences`);
  await page.getByText(name, { exact: true }).click();
  const frame = page.frameLocator('#preferences-frame');
  await frame.locator('.mailsec-state, .mailsec-error, #mailsec-activity, #mailsec-activity-none').first().waitFor();
  return frame;
}

// Recent activity's rows: the class and the cells' text of each.
async function activityRows(frame) {
  const rows = frame.locator('#mailsec-activity tbody tr');
  const found = [];
  for (let i = 0; i < await rows.count(); i++) {
    found.push({ refused: (await rows.nth(i).getAttribute('class')) === 'mailsec-refused',
      cells: await rows.nth(i).locator('td').allInnerTexts(),
      background: await rows.nth(i).locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor) });
  }
  return found;
}

// Settings > Recent activity has a row that MATCHES.
async function activityShows(what, matches) {
  const rows = await activityRows(await section('mailsecactivity'));
  check(`activity: ${what} (${JSON.stringify(rows.map((row) => row.cells))})`, rows.some(matches));
}

// Settings > Recent activity after a mail app's wrong password and its
// right one (from 127.0.0.9), beside this browser's webmail login (from
// 127.0.0.1, the address the plugin gives Dovecot).
async function recentActivity() {
  check('IMAP client: a wrong password is refused', imapClient('not-the-password') === 1);
  check('IMAP client: the right one logs in', imapClient() === 0);
  const frame = await section('mailsecactivity');
  check('no Save button in Recent activity', (await frame.locator('.formbuttons').count()) === 0);
  const rows = await activityRows(frame);
  const text = JSON.stringify(rows.map((row) => row.cells));
  const refused = rows.find((row) => row.cells[3] === 'Refused: wrong password');
  check(`activity: the refused IMAP login, highlighted (${text})`, refused && refused.refused
    && refused.cells[1] === '127.0.0.9' && refused.cells[2] === 'Mail app (IMAP)'
    && refused.background !== rows.find((row) => !row.refused).background);
  check('activity: the IMAP login', rows.some((row) => !row.refused && row.cells[1] === '127.0.0.9'
    && row.cells[2] === 'Mail app (IMAP) with password' && row.cells[3] === 'Signed in'));
  check('activity: this webmail login', rows.some((row) => !row.refused && row.cells[1] === '127.0.0.1'
    && row.cells[2].startsWith('Webmail with password') && row.cells[3] === 'Signed in'));
  check('activity: the webmail\'s logins at each request, counted on one line',
    rows.filter((row) => row.cells[2].startsWith('Webmail with password')).length === 1);
  check('activity: says what to do about a sign-in not recognised',
    (await frame.locator('body').innerText()).includes('If you do not recognise a sign-in'));
  const help = await frame.locator('#mailsec-help').getAttribute('href');
  check(`activity: Learn more is the 2FA article's part (${help})`,
    help.endsWith('/help/en_US/two-factor-authentication.html#recent-activity'));
  await shot('settings-activity');
  await helpShot('settings-activity');
}

// Non-Webmail Access: choose MODE (enable, app-passwords, disable) and
// apply it; the page then says STATE.
async function chooseAccess(frame, mode, state) {
  await frame.locator(`#mailsec-mode-${mode}`).check();
  await frame.locator('#mailsec-access').click();
  if (state) await frame.locator('.mailsec-state', { hasText: state }).waitFor();
}

async function inbox() {
  await page.goto(`${URL}?_task=mail&_mbox=INBOX`);
  await page.waitForSelector('#messagelist tbody tr');
  return page.url().includes('_task=mail');
}

try {
  // 1. Log in without 2FA: the code field left empty.
  check('login with the password alone, 2FA off', await login(''));
  await page.waitForSelector('#messagelist tbody tr');
  await shot('inbox');
  await recentActivity();

  // 2. Settings > Two-factor Authentication > Enable: QR, secret, first code.
  let frame = await section('mailsec2fa');
  check('2FA section says off', (await frame.locator('.mailsec-state').innerText()).includes('off'));
  check('no Save button that would save nothing',
    (await frame.locator('.formbuttons').count()) === 0);
  await shot('settings-2fa-off');
  await helpShot('settings-2fa-off');
  await frame.locator('#mailsec-enroll').click();
  await frame.locator('#mailsec-secret').waitFor();
  secret = (await frame.locator('#mailsec-secret').innerText()).trim();
  check('the page shows the secret', /^[A-Z2-7]{16,}$/.test(secret));
  check('the page shows the QR code',
    (await frame.locator('#mailsec-qr').getAttribute('src')).startsWith('data:image/svg+xml;base64,'));
  await shot('settings-2fa-enroll');
  await helpShot('settings-2fa');
  await frame.locator('#mailsec-code').fill(await freshCode());
  await frame.locator('#mailsec-confirm').click();
  await frame.locator('#mailsec-recovery-codes').waitFor();
  check('Confirm shows the recovery codes',
    (await frame.locator('#mailsec-recovery-codes li').count()) === 10);
  await shot('settings-2fa-recovery-codes');
  await helpShot('settings-2fa-recovery-codes', frame.locator('fieldset').first());

  // 3. Log out; the password alone is refused now; password + code is not.
  // Confirm ended the session (the stored password alone no longer logs
  // in): the page says so and links to the login.
  await frame.locator('#mailsec-relogin').click();
  await page.waitForSelector('#rcmloginuser');
  check('password alone refused, 2FA on', !(await login('')));
  await shot('login-refused');
  check('password + code logs in', await login(await freshCode()));
  await page.waitForSelector('#messagelist tbody tr');
  await shot('inbox-with-2fa');

  // 4. Several pages: the session holds (Roundcube logs in again each time).
  await page.click('#messagelist tbody tr:first-child td.subject a');
  await page.waitForSelector('#messagecontframe');
  await page.waitForTimeout(1000);
  await shot('message');
  check('opened the message',
    (await page.frameLocator('#messagecontframe').locator('body').innerText()).includes('Hello Alice'));
  await page.goto(`${URL}?_task=addressbook`);
  check('address book', page.url().includes('_task=addressbook'));
  await page.goto(`${URL}?_task=mail&_mbox=Sent`);
  check('another folder', page.url().includes('_task=mail'));
  frame = await section('mailsec2fa');
  check('2FA section says on', (await frame.locator('.mailsec-state').innerText()).includes(' on'));
  await shot('settings-2fa-on');
  await helpShot('settings-2fa-on', frame.locator('fieldset').first());
  // Enter in the code field picks neither Disable nor New recovery codes,
  // even with a code that would be accepted.
  await frame.locator('#mailsec-code').fill(await freshCode(secret, { use: false }));
  await frame.locator('#mailsec-code').press('Enter');
  await page.waitForTimeout(1500);
  frame = await section('mailsec2fa');
  check('Enter in the code field does not disable 2FA',
    (await frame.locator('.mailsec-state').innerText()).includes(' on'));
  check('back to the inbox: the session held', await inbox());

  // 5. Non-Webmail Access off: an IMAP client is refused, the webmail works;
  //    one already connected, in IDLE, is closed at once (kick_command).
  check('IMAP client works while access is on', imapClient() === 0);
  frame = await section('mailsecaccess');
  await shot('settings-non-webmail-on');
  await helpShot('settings-non-webmail');
  check('three settings, "on" chosen',
    await frame.locator('#mailsec-mode-enable').isChecked() && (await frame.locator('.mailsec-mode').count()) === 3);
  const idle = idleClient();
  check('an IMAP client in IDLE while access is on', await idle.held);
  const changed = Date.now();
  await chooseAccess(frame, 'disable', 'is off');
  const closedAt = await idle.closed;
  check(`the IDLE client was closed within 2 s of Apply (${closedAt === null ? 'still open'
    : `${((closedAt - changed) / 1000).toFixed(2)} s`})`, closedAt !== null && closedAt - changed <= 2000);
  check('no warning that connections stayed open',
    (await page.locator('#messagestack div', { hasText: 'could not be closed' }).count()) === 0);
  check('section says access off', (await frame.locator('.mailsec-state').innerText()).includes('off'));
  await shot('settings-non-webmail-off');
  await helpShot('settings-non-webmail-off', frame.locator('fieldset').first());
  check('IMAP client refused with access off', imapClient() === 1);
  await activityShows('access off', (row) => row.refused && row.cells[2] === 'Mail app (IMAP)'
    && row.cells[3] === 'Refused: access from mail apps is off');
  check('webmail still works with access off', await inbox());

  // 6. Send a mail from the webmail (its trusted SMTP listener).
  await page.goto(`${URL}?_task=mail&_action=compose`);
  await page.locator('#compose_to input').first().fill('bob@example.com');
  await page.fill('#compose-subject', 'From the webmail');
  await page.fill('#composebody', 'Sent with non-webmail access off.');
  await shot('compose');
  await page.click('button.send');
  await page.waitForURL(/_task=mail(?!.*compose)/);
  await page.waitForLoadState('networkidle');
  await shot('sent');
  check('sent: back to the mailbox', !page.url().includes('compose'));

  // 7. The actions that need a fresh code (the stored string is not
  //    enough), each with a newer step than the login's.
  frame = await section('mailsecaccess');
  await chooseAccess(frame, 'enable');
  await page.getByText('Refused: check the code').waitFor();
  await shot('settings-non-webmail-refused');
  await frame.locator('#mailsec-access').waitFor();
  check('access on again: refused without a fresh code',
    (await frame.locator('.mailsec-state').innerText()).includes('off'));
  await frame.locator('#mailsec-code').fill(await freshCode());
  await chooseAccess(frame, 'enable', 'is on');
  check('access on again with a fresh code', imapClient() === 0);
  check('the webmail session held', await inbox());

  frame = await section('mailsec2fa');
  await frame.locator('#mailsec-code').fill(await freshCode());
  await frame.locator('#mailsec-recovery').click();
  await frame.locator('#mailsec-recovery-codes').waitFor();
  const recovery = (await frame.locator('#mailsec-recovery-codes li').first().innerText()).trim();
  const recovery2 = (await frame.locator('#mailsec-recovery-codes li').nth(1).innerText()).trim();
  check('new recovery codes', (await frame.locator('#mailsec-recovery-codes li').count()) === 10);
  await shot('settings-2fa-new-recovery-codes');
  await frame.locator('#mailsec-relogin').click();
  await page.waitForSelector('#rcmloginuser');
  check('password + recovery code logs in', await login(recovery));

  // A lost phone: another recovery code is the fresh code that Disable asks for.
  frame = await section('mailsec2fa');
  await frame.locator('#mailsec-code').fill(recovery2);
  await frame.locator('#mailsec-disable').click();
  await frame.locator('#mailsec-enroll').waitFor();
  check('2FA off again, with a second recovery code', (await frame.locator('.mailsec-state').innerText()).includes('off'));
  await shot('settings-2fa-disabled');
  check('the webmail goes on with the password alone', await inbox());
} catch (e) {
  check(`scenario: ${e.message.split('\n')[0]}`, false);
  await shot('failure').catch(() => {});
}

// 8. App passwords (alice, 2FA off by now, access on): "app passwords
//    only" refuses the mailbox password on IMAP; a new app password,
//    shown once with the settings a mail app needs, logs a real IMAP
//    client in; its last use is listed; revoked, it is refused.
const APP = 'Thunderbird at home';

// Files of the servers' and Roundcube's logs that hold SECRET (with or
// without its spaces).
function logsWith(secret) {
  const forms = [secret, secret.replace(/ /g, '')];
  const files = [DOVECOT_LOG].concat(readdirSync(RC_LOG_DIR).map((name) => `${RC_LOG_DIR}/${name}`));
  return files.filter((file) => forms.some((form) => readFileSync(file, 'utf8').includes(form)));
}

async function appPasswords() {
  let frame = await section('mailsecaccess');
  await chooseAccess(frame, 'app-passwords', 'app passwords only');
  check('access: app passwords only, and chosen', await frame.locator('#mailsec-mode-app-passwords').isChecked());
  check('no app password yet', (await frame.locator('#mailsec-app-none').count()) === 1);
  check('app passwords only: IMAP refuses the mailbox password', imapClient() === 1);
  check('app passwords only: the webmail works', await inbox());

  frame = await section('mailsecaccess');
  await frame.locator('#mailsec-appname').fill(APP);
  check('all three services ticked by default',
    (await frame.locator('input[name="_mailsec_services[]"]:checked').count()) === 3);
  await shot('settings-app-password-create');
  await frame.locator('#mailsec-appadd').click();
  await frame.locator('#mailsec-app-password').waitFor();
  const password = (await frame.locator('#mailsec-app-password').innerText()).trim();
  check(`the new app password is shown, in groups of four (${password.length} characters)`,
    /^[a-z]{4}( [a-z]{4}){4}$/.test(password));
  const settings = await frame.locator('#mailsec-app-settings').innerText();
  check(`the settings a mail app needs (${JSON.stringify(settings)})`,
    settings.includes(MAILBOX) && settings.includes('993') && settings.includes('465') && settings.includes('587'));
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new globalThis.URL(URL).origin });
  await frame.locator('#mailsec-copy').click();
  await frame.locator('#mailsec-copy', { hasText: 'Copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => `(${e.message})`);
  check('Copy puts the password on the clipboard', copied.trim() === password);
  await shot('settings-app-password-new');
  await helpShot('settings-app-password-new', frame.locator('fieldset').first());

  check('a real IMAP client logs in with the app password', imapClient(password) === 0);
  check('... and with it typed without the spaces', imapClient(password.replace(/ /g, '')) === 0);
  check('the mailbox password is still refused on IMAP', imapClient() === 1);

  await frame.locator('#mailsec-app-done').click();
  await frame.locator('#mailsec-app-passwords').waitFor();
  const row = frame.locator('#mailsec-app-passwords tbody tr');
  const cells = await row.first().locator('td').allInnerTexts();
  check(`listed: ${JSON.stringify(cells)}`, (await row.count()) === 1 && cells[0] === APP
    && cells[1] === 'IMAP, POP3, SMTP' && /^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(cells[2]) && cells[4] === 'never');
  check(`last use: time, address, service (${cells[3]})`,
    /^\d{4}-\d\d-\d\d \d\d:\d\d from 127\.0\.0\.9 \(IMAP\)$/.test(cells[3]));
  check('the password is gone from the page once left',
    !(await frame.locator('body').innerText()).includes(password.slice(0, 9)));
  check(`the password is in no log (${logsWith(password)})`, logsWith(password).length === 0);
  await shot('settings-app-passwords');
  // Create's "Successfully saved." would cover part of the list.
  await page.locator('#messagestack > div').first().waitFor({ state: 'detached', timeout: 15000 }).catch(() => {});
  await helpShot('settings-app-passwords', frame.locator('fieldset').nth(1));

  // Revoke asks first: Cancel keeps it.
  let asked = '';
  page.once('dialog', (dialog) => { asked = dialog.message(); dialog.dismiss(); });
  await frame.locator('#mailsec-revoke-0').click();
  await page.waitForTimeout(1000);
  check(`Revoke asks (${JSON.stringify(asked)}); Cancel keeps it`,
    asked.includes(APP) && (await row.count()) === 1 && imapClient(password) === 0);
  page.once('dialog', (dialog) => dialog.accept());
  await frame.locator('#mailsec-revoke-0').click();
  await frame.locator('#mailsec-app-none').waitFor();
  check('revoked: the IMAP client is refused with it', imapClient(password) === 1);
  await activityShows('the app password\'s login', (row) => !row.refused
    && row.cells[2] === `App password “${APP}” (IMAP)` && row.cells[3] === 'Signed in');
  await activityShows('the mailbox password with app passwords only', (row) => row.refused
    && row.cells[2] === 'Mail app (IMAP)' && row.cells[3] === 'Refused: only app passwords work here');

  frame = await section('mailsecaccess');
  await chooseAccess(frame, 'enable', 'is on');
  check('access on again: IMAP takes the mailbox password', imapClient() === 0);
}

try {
  await appPasswords();
} catch (e) {
  check(`app-password scenario: ${e.message.split('\n')[0]}`, false);
  await shot('failure-app-passwords').catch(() => {});
}

// 9. A webmail session that IMAP stops accepting (here `mailsecctl logout`;
//    idle time or another address alike) ends on the login page with one
//    message, for a page load, an AJAX request and a frame; and the refused
//    logins of the stored string cost the owner no lockout. A mailbox of
//    its own, in a browser of its own: its codes and failures are apart.
const ENDED = 'Your session has ended. Please log in again.';
const CAROL = 'carol@example.com';
const CAROL_PASSWORD = 'carol-secret';

function mailsecctl(args, input = '') {
  return execFileSync(MAILSECCTL, args, { input, encoding: 'utf8' });
}

let carolSecret = '';

// Every message Roundcube shows, in the order shown (pages and frames).
const toasts = [];
async function newBrowserPage(locale = 'en-US') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
  await context.exposeFunction('mailsecToast', (type, text) => toasts.push({ type, text }));
  await context.addInitScript(() => {
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          if (node.nodeType === 1 && node.parentElement?.id === 'messagestack') {
            window.mailsecToast(node.className, node.textContent.trim());
          }
        }
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const fresh = await context.newPage();
  fresh.setDefaultTimeout(20000);
  return fresh;
}

// The messages since toasts.length was `since`, "Loading..." left out.
function shownSince(since) {
  return toasts.slice(since).filter((t) => !t.type.includes('loading')).map((t) => t.text);
}

// Dovecot's count of refused logins of carol so far.
function refusedLogins() {
  return readFileSync(DOVECOT_LOG, 'utf8').split('\n')
    .filter((line) => line.includes('auth failed') && line.includes(`user=<${CAROL}>`)).length;
}

// The one refused login of an ended session, and no more after it (the
// log line comes when the connection closes).
async function oneRefusedLogin(what, before) {
  for (let i = 0; i < 50 && refusedLogins() === before; i++) await page.waitForTimeout(100);
  await page.waitForTimeout(1000);
  const tried = refusedLogins() - before;
  check(`${what}: Roundcube's refused logins of the ended session: ${tried}, not more than 1`, tried === 1);
}

// On the login page with the one message, and nothing else was shown.
async function endedOnLoginPage(what, since) {
  const onLoginPage = await page.waitForSelector('#rcmloginuser', { timeout: 10000 })
    .then(() => page.url().includes('_task=login'), () => false);
  check(`${what}: on the login page (${page.url()})`, onLoginPage);
  if (!onLoginPage) throw new Error(`${what}: still in the mailbox`);
  await page.locator('#messagestack div', { hasText: ENDED }).waitFor();
  await page.waitForLoadState('networkidle');
  const shown = shownSince(since);
  check(`${what}: "${ENDED}", no other message (${JSON.stringify(shown)})`,
    shown.length > 0 && shown.every((text) => text === ENDED));
}

// The same LOGIN as Roundcube's (the webmail listener, the browser's
// address as x-originating-ip): 0 logged in, 1 refused.
function webmailLogin(password) {
  try {
    execFileSync('python3', [CLIENT, '--host', WEBMAIL_HOST, '--tls',
      '--ca', `${TLS_DIR}/ca.pem`, '--cert', `${TLS_DIR}/webmail.pem`,
      '--key', `${TLS_DIR}/webmail.key`, 'imap', '127.0.0.1', WEBMAIL_PORT, CAROL, '127.0.0.1'],
      { input: password + '\n', stdio: ['pipe', 'ignore', 'ignore'] });
    return 0;
  } catch (e) {
    return e.status;
  }
}

async function sessionEnds() {
  mailsecctl(['add', CAROL], CAROL_PASSWORD + '\n');
  carolSecret = JSON.parse(mailsecctl(['--json', '2fa', 'enroll', CAROL])).secret;
  mailsecctl(['2fa', 'confirm', CAROL, '-'], (await freshCode(carolSecret)) + '\n');
  page = await newBrowserPage();

  // A wrong code at login is Roundcube's "Login failed", not this.
  const right = code(currentStep(), carolSecret);
  let since = toasts.length;
  check('carol: a wrong code is refused',
    !(await login(right.slice(0, -1) + ((Number(right.slice(-1)) + 1) % 10), CAROL, CAROL_PASSWORD)));
  await page.locator('#messagestack div', { hasText: 'Login failed' }).waitFor();
  check('carol: a wrong code says "Login failed", not that a session ended',
    !shownSince(since).includes(ENDED));

  // A page load after the session ended.
  check('carol: password + code logs in', await login(await freshCode(carolSecret), CAROL, CAROL_PASSWORD));
  mailsecctl(['logout', CAROL]);
  since = toasts.length;
  let before = refusedLogins();
  await page.reload();
  await endedOnLoginPage('session ended, then the mail list reloaded', since);
  await oneRefusedLogin('reload', before);
  await shot('session-ended');

  // The owner's own login again, with a new code; then an AJAX request
  // (the folder's list) after the session ended.
  check('carol: logs in again with a new code', await login(await freshCode(carolSecret), CAROL, CAROL_PASSWORD));
  await page.waitForSelector('#mailboxlist li.inbox a');
  await page.waitForLoadState('networkidle');
  mailsecctl(['logout', CAROL]);
  since = toasts.length;
  before = refusedLogins();
  await page.click('#mailboxlist li.inbox a');
  await page.waitForURL(/_task=login/);
  await endedOnLoginPage('session ended, then the mail list refreshed (AJAX)', since);
  await oneRefusedLogin('AJAX', before);
  await shot('session-ended-ajax');

  // The stored string, refused again and again (more tabs, more devices,
  // a Roundcube without this plugin): no lockout, nobody guessed a code.
  // This time the request is a framed page (Settings > Folders > Inbox).
  const lastCode = await freshCode(carolSecret);
  check('carol: logs in again', await login(lastCode, CAROL, CAROL_PASSWORD));
  await page.goto(`${URL}?_task=settings&_action=folders`);
  await page.waitForSelector('#subscription-table li.mailbox.inbox > a');
  await page.waitForLoadState('networkidle');
  mailsecctl(['logout', CAROL]);
  since = toasts.length;
  before = refusedLogins();
  await page.click('#subscription-table li.mailbox.inbox > a');
  await page.waitForURL(/_task=login/);
  await endedOnLoginPage('session ended, then a framed page', since);
  await oneRefusedLogin('framed page', before);
  const replays = setting('max_failures', 5);
  let refused = 0;
  for (let i = 0; i < replays; i++) {
    if (webmailLogin(CAROL_PASSWORD + lastCode) === 1) refused++;
  }
  check(`the ended session's login string refused ${replays} more times`, refused === replays);
  const shown = JSON.parse(mailsecctl(['--json', 'show', CAROL]));
  check(`carol: not locked after the refused session logins (locked_until ${shown.locked_until})`,
    shown.locked_until === null);
  check('carol: logs in with a new code after all that', await login(await freshCode(carolSecret), CAROL, CAROL_PASSWORD));
  await sessionOutlivesServerTrouble();
  await kickFails();
}

// A kick_command that fails (here /bin/false): the change is saved
// (mailsecctl exits 7); Roundcube says so, and warns that the connections
// already open were not closed.
async function kickFails() {
  const config = readFileSync(MAILSEC_CONFIG, 'utf8');
  const warning = texts('en_US').sessionsleft;
  let since;
  try {
    writeFileSync(MAILSEC_CONFIG, config.replace(/^kick_command = .*$/m, 'kick_command = [ "/bin/false" ];'));
    const frame = await section('mailsecaccess');
    since = toasts.length;
    await chooseAccess(frame, 'disable', 'is off');
    await toastSays('a failed kick', warning);
    await shot('settings-non-webmail-kick-failed');
  } finally {
    writeFileSync(MAILSEC_CONFIG, config);
  }
  const shown = shownSince(since);
  check(`a failed kick: saved and the warning, nothing else (${JSON.stringify(shown)})`,
    shown.includes('Successfully saved.') && shown.every((text) => text === warning || text === 'Successfully saved.'));
  check('a failed kick: access is off', JSON.parse(mailsecctl(['--json', 'show', CAROL])).non_webmail === 'disabled');
  check('a failed kick: the owner is still in the webmail', await inbox());
  mailsecctl(['non-webmail', 'enable', CAROL]);
}

// Still in the mailbox, and no message says the session ended (after
// Roundcube's session_error, which goes to the login 2 seconds later).
async function stillInSession(what, since) {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(3000);
  const onLoginPage = page.url().includes('_task=login') || (await page.locator('#rcmloginuser').count()) > 0;
  check(`${what}: not on the login page (${page.url()})`, !onLoginPage);
  const shown = shownSince(since);
  check(`${what}: Roundcube's own error, no "${ENDED}" (${JSON.stringify(shown)})`,
    shown.length > 0 && !shown.includes(ENDED));
}

// pam_mailsec's own failure (here an invalid mailsec.conf, which the
// webmail stack and self both read; a missing users_dir or an unwritable
// state_dir alike) reaches IMAP as AUTHENTICATIONFAILED, as a refusal
// does. It ends no session: the requests fail meanwhile, with Roundcube's
// own error, and the session goes on once the module works again.
async function sessionOutlivesServerTrouble() {
  await page.waitForSelector('#messagelist tbody tr');
  const config = readFileSync(MAILSEC_CONFIG);
  try {
    appendFileSync(MAILSEC_CONFIG, 'broken = ;\n');
    let since = toasts.length;
    let before = refusedLogins();
    await page.click('#mailboxlist li.inbox a');
    await stillInSession('mailsec.conf broken, then the mail list refreshed (AJAX)', since);
    check('mailsec.conf broken: IMAP refused the AJAX request\'s login', refusedLogins() > before);
    since = toasts.length;
    before = refusedLogins();
    await page.reload();
    await stillInSession('mailsec.conf broken, then the mail list reloaded', since);
    check('mailsec.conf broken: IMAP refused the reload\'s logins', refusedLogins() > before);
    await shot('server-trouble');
  } finally {
    writeFileSync(MAILSEC_CONFIG, config);
  }
  const since = toasts.length;
  await page.goto(`${URL}?_task=mail&_mbox=INBOX`);
  const listed = await page.waitForSelector('#messagelist tbody tr', { timeout: 10000 })
    .then(() => true, () => false);
  check('mailsec.conf restored: the session goes on, the mail list loads', listed);
  check(`mailsec.conf restored: no message (${JSON.stringify(shownSince(since))})`,
    shownSince(since).length === 0);
  await shot('server-trouble-over');
}

try {
  await sessionEnds();
} catch (e) {
  check(`session-end scenario: ${e.message.split('\n')[0]}`, false);
  await shot('failure-session-end').catch(() => {});
}

// 10. The plugin in other languages: Roundcube takes the browser's
//    (Accept-Language) for a new user. Every text of the login field, of
//    both sections and of their messages is the language's own, none
//    English and none missing ("[name]"), and "Learn more" opens an article.
function texts(lang) {
  const file = `${dirname(fileURLToPath(import.meta.url))}/../../conf/roundcube/mailsec/localization/${lang}.inc`;
  return JSON.parse(execFileSync('php', ['-r', 'include $argv[1]; echo json_encode($labels + $messages);', '--', file],
    { encoding: 'utf8' }));
}
const ENGLISH = texts('en_US');

// The English texts (their part before any $variable) in TEXT, and
// Roundcube's "[name]" of a missing one.
function notTranslated(text, own) {
  const english = Object.keys(ENGLISH).filter((key) => ENGLISH[key] !== own[key])
    .map((key) => ENGLISH[key].split('$')[0].trim()).filter((part) => part && text.includes(part));
  return english.concat(text.match(/\[[a-z_.]+\]/g) || []);
}

async function allTranslated(what, frame, own) {
  const left = notTranslated(await frame.locator('body').innerText(), own);
  check(`${what}: every text translated (${JSON.stringify(left)})`, left.length === 0);
}

async function shows(what, locator, text) {
  const shown = (await locator.innerText()).trim();
  check(`${what}: "${text}" (${JSON.stringify(shown)})`, shown.includes(text));
}

async function toastSays(what, text) {
  const shown = await page.locator('#messagestack div', { hasText: text }).waitFor({ timeout: 10000 })
    .then(() => true, () => false);
  check(`${what}: the message "${text}"`, shown);
}

// "Learn more" of the section in FRAME: a readable page in a new tab.
async function learnMore(what, frame, title) {
  const [help] = await Promise.all([page.context().waitForEvent('page'), frame.locator('#mailsec-help').click()]);
  await help.waitForLoadState('load');
  const heading = await help.locator('h1').first().innerText().catch(() => '');
  const images = await help.evaluate(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
  const words = (await help.locator('body').innerText()).split(/\s+/).length;
  check(`${what}: "Learn more" opens "${title}" (${heading}, ${words} words, images ${images})`,
    heading === title && words > 300 && images);
  await help.screenshot({ path: `${SHOTS}/${String(++step).padStart(2, '0')}-help-${title.split(' ')[0]}.png` });
  await help.close();
}

async function inLanguage(lang, locale, mailbox) {
  const own = texts(lang);
  const password = `${lang}-secret`;
  mailsecctl(['add', mailbox], password + '\n');
  page = await newBrowserPage(locale);

  // The login page: the code field's label and hint, laid out as the
  // password row (icon, width).
  await page.goto(URL);
  const field = page.locator('#rcmloginmailseccode');
  check(`${lang}: the code field says "${own.code}"`, (await field.getAttribute('placeholder')) === own.code);
  await shows(`${lang}: the code field's hint`, page.locator('#mailsec-code-hint'), own.codehint);
  const [codeBox, passBox] = [await field.boundingBox(), await page.locator('#rcmloginpwd').boundingBox()];
  check(`${lang}: the code field as wide as the password's (${codeBox.width}, ${passBox.width})`,
    codeBox.x === passBox.x && codeBox.width === passBox.width);
  const icon = await page.locator('#login-form tr:has(#rcmloginmailseccode) .input-group-text')
    .evaluate((element) => getComputedStyle(element, ':before').content);
  check(`${lang}: the code field has an icon (${icon})`, !['none', 'normal', '""'].includes(icon));
  await shot(`${lang}-login`);
  check(`${lang}: logs in`, await login('', mailbox, password));

  // Two-factor Authentication: off, Enable, a wrong code, the right one.
  let frame = await section('mailsec2fa', own.twofactor);
  await shows(`${lang}: 2FA off`, frame.locator('.mailsec-state'), own.twofaoff);
  await shows(`${lang}: Learn more`, frame.locator('#mailsec-help'), own.learnmore);
  await allTranslated(`${lang}: 2FA off`, frame, own);
  await shot(`${lang}-settings-2fa-off`);
  await learnMore(`${lang}: 2FA`, frame, 'Using Two-factor Authentication (2FA)');
  await frame.locator('#mailsec-enroll').click();
  await frame.locator('#mailsec-secret').waitFor();
  const key = (await frame.locator('#mailsec-secret').innerText()).trim();
  await shows(`${lang}: enrolment`, frame.locator('fieldset').first(), own.scannote);
  await allTranslated(`${lang}: enrolment`, frame, own);
  await shot(`${lang}-settings-2fa-enroll`);
  const right = await freshCode(key);
  await frame.locator('#mailsec-code').fill(right.slice(0, -1) + ((Number(right.slice(-1)) + 1) % 10));
  await frame.locator('#mailsec-confirm').click();
  await toastSays(`${lang}: a wrong code`, own.refused);
  await frame.locator('#mailsec-code').fill(right);
  await frame.locator('#mailsec-confirm').click();
  await frame.locator('#mailsec-recovery-codes').waitFor();
  await shows(`${lang}: recovery codes`, frame.locator('fieldset').first(), own.recoverynote);
  await allTranslated(`${lang}: recovery codes`, frame, own);
  await shot(`${lang}-settings-2fa-recovery-codes`);
  await frame.locator('#mailsec-relogin').click();
  await page.waitForSelector('#rcmloginuser');
  check(`${lang}: logs in with a code`, await login(await freshCode(key), mailbox, password));
  frame = await section('mailsec2fa', own.twofactor);
  await shows(`${lang}: 2FA on`, frame.locator('.mailsec-state'), own.twofaon);
  await shows(`${lang}: recovery codes left`, frame.locator('.mailsec-state'), own.codesleft.replace('$n', '10'));
  await allTranslated(`${lang}: 2FA on`, frame, own);
  await shot(`${lang}-settings-2fa-on`);

  // Recent activity: its table and texts in the language.
  frame = await section('mailsecactivity', own.activity);
  await shows(`${lang}: recent activity`, frame.locator('#mailsec-activity'), own.signedin);
  await allTranslated(`${lang}: recent activity`, frame, own);
  await shot(`${lang}-settings-activity`);

  // Non-Webmail Access: on, Disable, off (Enable asks for a code).
  frame = await section('mailsecaccess', own.nonwebmail);
  await shows(`${lang}: access on`, frame.locator('.mailsec-state'), own.accesson);
  await shows(`${lang}: the warning`, frame.locator('.mailsec-warning'), own.accesswarning);
  await allTranslated(`${lang}: access on`, frame, own);
  await learnMore(`${lang}: access`, frame, 'Non-Webmail Access Control');
  // An app password with 2FA on: refused without a fresh code, made with one.
  await frame.locator('#mailsec-appname').fill('Phone');
  await frame.locator('#mailsec-appadd').click();
  await toastSays(`${lang}: an app password without a code`, own.refused);
  await frame.locator('#mailsec-appname').fill('Phone');
  await frame.locator('#mailsec-appcode').fill(await freshCode(key));
  await frame.locator('#mailsec-appadd').click();
  await frame.locator('#mailsec-app-password').waitFor();
  await shows(`${lang}: a new app password, with a fresh code`, frame.locator('fieldset').first(),
    own.appshown.split('$')[0].trim());
  await allTranslated(`${lang}: a new app password`, frame, own);
  await shot(`${lang}-settings-app-password-new`);
  await frame.locator('#mailsec-app-done').click();
  await frame.locator('#mailsec-app-passwords').waitFor();
  await allTranslated(`${lang}: the app passwords`, frame, own);
  await chooseAccess(frame, 'disable');
  await frame.locator('.mailsec-state', { hasText: own.accessoff }).waitFor();
  await shows(`${lang}: access off`, frame.locator('.mailsec-state'), own.accessoff);
  await allTranslated(`${lang}: access off`, frame, own);
  await shot(`${lang}-settings-non-webmail-off`);
  mailsecctl(['non-webmail', 'enable', mailbox]);

  // The session ends: the mail list's page says so, on the login page.
  mailsecctl(['logout', mailbox]);
  await page.goto(`${URL}?_task=mail&_mbox=INBOX`);
  await page.waitForSelector('#rcmloginuser');
  await toastSays(`${lang}: session ended`, own.sessionended);
  await shot(`${lang}-session-ended`);
  await page.context().close();
}

try {
  await inLanguage('de_DE', 'de-DE', 'dora@example.com');
  await inLanguage('ru_RU', 'ru-RU', 'ivan@example.com');
} catch (e) {
  check(`language scenario: ${e.message.split('\n')[0]}`, false);
  await shot('failure-languages').catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
