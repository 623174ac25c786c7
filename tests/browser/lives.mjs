// Drives the pages in headless Chromium as people would: whole lives of
// proposals from the forms only, an accessibility check (axe-core) of every
// kind of page, and screenshots on a desktop and a 360-pixel phone.
//
// Run by tests/suite/browser.rs against a service started with demo data:
//   BASE_URL=http://127.0.0.1:PORT PASSWORD=... SCREENSHOTS=dir node lives.mjs
// Exits non-zero, saying why, on the first thing that is not as it should be.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BASE = process.env.BASE_URL;
const PASSWORD = process.env.PASSWORD;
const SHOTS = process.env.SCREENSHOTS;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BASE || !PASSWORD || !SHOTS) throw new Error('BASE_URL, PASSWORD and SCREENSHOTS are required');
mkdirSync(SHOTS, { recursive: true });

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
const checked = new Set();
let step = 'starting';

const problems = [];

function fail(message) {
  throw new Error(`${step}: ${message}`);
}

/** What a page's events reported (a request elsewhere, a script error) fails the step it happened in. */
function clean() {
  if (problems.length) fail(problems.join('; '));
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

/** A person in a browser of their own. */
async function person(username) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
  const page = await context.newPage();
  // Nothing may come from elsewhere: every request goes to the service itself.
  page.on('request', (r) => {
    if (!r.url().startsWith(BASE) && !r.url().startsWith('data:')) problems.push(`a request left the service: ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`script error: ${e}`));
  if (username) {
    await page.goto(`${BASE}/sign-in`);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: '登录' }));
    if (page.url().includes('/sign-in')) fail(`${username} could not sign in`);
  }
  return page;
}

/** The accessibility check of a kind of page (once per kind), and its screenshots. */
async function look(page, kind, { screenshot = false } = {}) {
  clean();
  if (!checked.has(kind)) {
    checked.add(kind);
    await page.addScriptTag({ path: AXE });
    const result = await page.evaluate(async () =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    if (bad.length) {
      fail(`accessibility of ${kind}: ` + bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`).join('; '));
    }
  }
  if (screenshot) {
    await page.screenshot({ path: join(SHOTS, `${kind}-desktop.png`), fullPage: true });
    await page.setViewportSize(PHONE);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > PHONE.width + 1) fail(`${kind} is ${wide} pixels wide on a 360-pixel phone`);
    await page.screenshot({ path: join(SHOTS, `${kind}-phone.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
  }
}

/** Clicks what leads to another page (a link, a form's button) and waits for that page. */
async function follow(page, target) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
}

async function expectText(page, text) {
  const body = await page.locator('body').innerText();
  if (!body.includes(text)) {
    const alerts = await page.locator('[role=alert]').allInnerTexts();
    fail(`the page ${page.url()} does not show "${text}"${alerts.length ? `; it says: ${alerts.join(' / ')}` : ''}`);
  }
}

async function expectNoText(page, text) {
  const body = await page.locator('body').innerText();
  if (body.includes(text)) fail(`the page ${page.url()} shows "${text}"`);
}

/** Fills the fields of the action's form on the proposal's page and sends it. */
async function act(page, id, action, fill = async () => {}, button) {
  step = `${action} on ${id}`;
  // The page as it stands now (another person may have acted since it was opened).
  if (!page.url().startsWith(`${BASE}/proposals/${id}?cosigner_q=`)) await page.goto(`${BASE}/proposals/${id}`);
  const form = page.locator(`form[action="/proposals/${id}/act/${action}"]`).first();
  if (!(await form.count())) fail('the page offers no such form');
  await fill(form);
  const submit = button ? form.getByRole('button', { name: button, exact: true }) : form.locator('button[type=submit]').last();
  await follow(page, submit);
  await expectText(page, '已完成');
  clean();
}

try {
  // Anyone: the home page explains the system and leads on.
  step = 'the home page';
  const visitor = await person();
  await visitor.goto(`${BASE}/`);
  await expectText(visitor, '提案通');
  await look(visitor, 'home', { screenshot: true });
  await visitor.goto(`${BASE}/sign-in`);
  await look(visitor, 'sign-in', { screenshot: true });
  await visitor.goto(`${BASE}/no/such/page`);
  await look(visitor, 'not-found');

  // The keyboard alone signs in: the skip link first, then the fields in order, Enter to send.
  step = 'signing in by keyboard';
  const keys = await person();
  await keys.goto(`${BASE}/sign-in`);
  await keys.keyboard.press('Tab');
  if ((await keys.evaluate(() => document.activeElement.textContent)) !== '跳到正文') fail('the first Tab does not reach the skip link');
  await keys.locator('#username').focus();
  await keys.keyboard.type('leader2');
  await keys.keyboard.press('Tab');
  if ((await keys.evaluate(() => document.activeElement.id)) !== 'password') fail('Tab from the name does not reach the password');
  await keys.keyboard.type(PASSWORD);
  await Promise.all([keys.waitForNavigation({ waitUntil: 'load' }), keys.keyboard.press('Enter')]);
  await expectText(keys, '您好');

  // A member writes a proposal on the form, invites a co-signer found by name, who confirms.
  step = 'the member writes';
  const member = await person('wangfang');
  await member.goto(`${BASE}/`);
  await look(member, 'home-member', { screenshot: true });
  await follow(member, member.getByRole('link', { name: '我的提案' }).first());
  await look(member, 'proposals', { screenshot: true });
  await follow(member, member.getByRole('link', { name: '撰写提案' }));
  await look(member, 'proposal-new', { screenshot: true });
  await member.getByLabel('标题').fill('关于完善社区养老驿站服务的提案');
  await member.getByLabel('类别').fill('社会保障');
  await member.getByLabel('案由').fill('老年人口增长较快，社区养老驿站服务项目单一，专业护理人员不足。');
  await member.getByLabel('建议', { exact: true }).fill('1. 扩大驿站助餐、助浴服务。\n2. 培养专业护理人员。');
  await follow(member, member.getByRole('button', { name: '保存草稿' }));
  const id = new URL(member.url()).pathname.split('/')[2];
  if (!/^[0-9a-f-]{36}$/.test(id)) fail(`no proposal id in ${member.url()}`);
  await look(member, 'proposal-draft', { screenshot: true });
  step = 'inviting a co-signer';
  await member.getByLabel('按姓名查找委员').fill('李建国');
  await follow(member, member.getByRole('button', { name: '查找' }));
  await act(member, id, 'invite_cosigners', (f) => f.getByLabel(/李建国/).check());
  const cosigner = await person('lijianguo');
  await cosigner.goto(`${BASE}/notices`);
  await look(cosigner, 'notices', { screenshot: true });
  await act(cosigner, id, 'answer_invitation', undefined, '确认联名');
  await act(member, id, 'submit');

  // The office files it, makes it key with a leader, and gives it to two units.
  const office = await person('office');
  await office.goto(`${BASE}/proposals/${id}`);
  await look(office, 'proposal-office', { screenshot: true });
  await act(office, id, 'file');
  await act(office, id, 'mark_key', async (f) => {
    await f.getByLabel('领导', { exact: true }).selectOption({ label: '区长 马志远' });
    await f.getByLabel(/领办/).check();
  });
  await act(office, id, 'assign', async (f) => {
    await f.getByLabel('区发展和改革委员会', { exact: true }).selectOption('lead');
    await f.getByLabel('区教育局', { exact: true }).selectOption('co');
  });
  await expectText(office, '重点提案（领办）');

  // The co-handling unit signs and sends its opinion; the lead unit signs, talks, replies B; its head signs off.
  const coStaff = await person('jyj-staff');
  await act(coStaff, id, 'sign_for');
  await act(coStaff, id, 'send_opinion', (f) => f.getByLabel(/意见/).fill('建议统筹辖区医疗资源，推进医养结合。'));
  const staff = await person('fgw-staff');
  await staff.goto(`${BASE}/proposals/${id}`);
  await look(staff, 'proposal-unit', { screenshot: true });
  await act(staff, id, 'sign_for');
  await act(staff, id, 'record_contact', async (f) => {
    await f.getByLabel('方式').selectOption('meeting');
    await f.getByLabel('沟通内容').fill('当面听取王芳委员意见。');
  });
  const later = new Date(Date.now() + 90 * 86400e3).toISOString().slice(0, 10);
  await act(staff, id, 'draft_reply', async (f) => {
    await f.getByLabel('B类').check();
    await f.getByLabel(/答复正文/).fill('经研究，拟于年内新增两处驿站。联系人：张三，电话 12345678。');
    await f.getByLabel(/公开稿/).fill('经研究，拟于年内新增两处驿站。');
    await f.getByLabel('承办负责人').fill('李四');
    await f.getByLabel('事项 1').fill('新增两处养老驿站');
    await f.locator('#commitment-0-on').fill(later);
  });
  const head = await person('fgw-head');
  await act(head, id, 'sign_off_reply');
  await act(staff, id, 'submit_reply');

  // The member reads the reply, is not satisfied: it is handled again, then both satisfied.
  step = 'the member rates';
  await member.goto(`${BASE}/proposals/${id}`);
  await expectText(member, '新增两处养老驿站');
  await look(member, 'proposal-replied', { screenshot: true });
  await act(member, id, 'rate', async (f) => {
    await f.locator('#rate-process-satisfied').check();
    await f.locator('#rate-result-unsatisfied').check();
  });
  await act(office, id, 'assign', (f) => f.getByLabel('区发展和改革委员会', { exact: true }).selectOption('lead'));
  await act(staff, id, 'sign_for');
  await act(staff, id, 'record_contact', (f) => f.getByLabel('沟通内容').fill('再次走访，通报建设进度。'));
  await act(staff, id, 'draft_reply', async (f) => {
    await f.getByLabel('A类').check();
    await f.getByLabel(/答复正文/).fill('两处驿站已建成开放。联系人：张三，电话 12345678。');
    await f.getByLabel(/公开稿/).fill('两处驿站已建成开放，助餐服务覆盖全街道。');
    await f.getByLabel('承办负责人').fill('李四');
    await f.getByLabel('事项 1').fill('');
    await f.locator('#commitment-0-on').fill('');
  });
  await act(head, id, 'sign_off_reply');
  await act(staff, id, 'submit_reply');
  await act(member, id, 'rate', async (f) => {
    await f.locator('#rate-process-satisfied').check();
    await f.locator('#rate-result-satisfied').check();
  });

  // The member prints the reply letter: one A4 page, the grade at the top right.
  step = 'the reply letter';
  await member.goto(`${BASE}/proposals/${id}`);
  await follow(member, member.getByRole('link', { name: /打印答复函/ }).last());
  await expectText(member, '的答复');
  await expectText(member, '区发展和改革委员会');
  await look(member, 'reply-letter', { screenshot: true });
  const mark = await member.locator('.grade-mark').boundingBox();
  const sheet = await member.locator('.letter').boundingBox();
  if (!mark || !sheet || mark.x < sheet.x + sheet.width / 2 || mark.y > sheet.y + 80) fail('the grade mark is not at the top right');
  await member.emulateMedia({ media: 'print' });
  const pdf = await member.pdf({ format: 'A4' });
  if (pdf.length < 1000) fail('the letter does not print');
  await member.emulateMedia({ media: 'screen' });

  // The office closes and publishes it; a visitor finds it by a Chinese word and reads the public version.
  await act(office, id, 'close');
  await act(office, id, 'publish');
  step = 'the public reads';
  await visitor.goto(`${BASE}/public`);
  await visitor.getByLabel('检索').fill('养老驿站');
  await follow(visitor, visitor.getByRole('button', { name: '查询' }));
  await look(visitor, 'public-results', { screenshot: true });
  await follow(visitor, visitor.getByRole('link', { name: '关于完善社区养老驿站服务的提案' }));
  await expectText(visitor, '两处驿站已建成开放，助餐服务覆盖全街道。');
  await expectText(visitor, '领办');
  await expectNoText(visitor, '12345678');
  await expectNoText(visitor, '李四');
  await look(visitor, 'public-detail', { screenshot: true });
  await follow(visitor, visitor.getByRole('link', { name: /打印答复函/ }));
  await expectText(visitor, '两处驿站已建成开放，助餐服务覆盖全街道。');
  await expectNoText(visitor, '12345678');
  await look(visitor, 'public-letter', { screenshot: true });
  await visitor.goto(`${BASE}/public/proposals/${id}`);
  await follow(visitor, visitor.getByRole('link', { name: '办理统计' }));
  await expectText(visitor, '答复类别');
  await look(visitor, 'public-statistics', { screenshot: true });

  // Everyone's own pages pass the same checks.
  step = 'the account pages';
  await member.goto(`${BASE}/account/password`);
  await look(member, 'password');
  await member.goto(`${BASE}/account/mail`);
  await look(member, 'mail-preferences');
  await office.goto(`${BASE}/proposals/${id}/timeline`);
  await expectText(office, '立案');
  await look(office, 'timeline', { screenshot: true });
  await office.goto(`${BASE}/proposals?state=submitted`);
  await look(office, 'office-queues', { screenshot: true });
  await office.goto(`${BASE}/mail`);
  await look(office, 'mail-set-aside');
  await office.goto(`${BASE}/statistics`);
  await expectText(office, '共收到提案');
  await look(office, 'office-statistics', { screenshot: true });
  await office.goto(`${BASE}/statistics?scope=range&from=2026-05-01&to=2026-04-01`);
  await expectText(office, '结束日期不能早于开始日期');
  await look(office, 'office-statistics-refused');
  await office.goto(`${BASE}/public/open-data`);
  await look(office, 'open-data');
  // 导入往年提案: a file with one bad row is reported row by row; the corrected one imports.
  await office.goto(`${BASE}/import`);
  await look(office, 'import', { screenshot: true });
  const header = '会议,案号,标题,提案人,类别,提交日期,状态,主办单位,答复日期,答复类别,过程满意度,结果满意度';
  const good = '一届一次会议,901,关于延长社区图书馆开放时间的建议,王芳,文化旅游,2026-01-08,已办结,区教育局,2026-04-02,A,满意,满意';
  const bad = '一届一次会议,902,关于,王芳,文化旅游,2026-01-08,办理中,,,,,';
  await office.setInputFiles('#file', { name: '往年提案.csv', mimeType: 'text/csv', buffer: Buffer.from(`${header}\n${good}\n${bad}\n`) });
  await follow(office, office.getByRole('button', { name: '上传并检查' }));
  await expectText(office, '有误：1 行');
  await expectText(office, '「办理中」的提案仍在办理中');
  await look(office, 'import-report', { screenshot: true });
  await office.setInputFiles('#file', { name: '往年提案.csv', mimeType: 'text/csv', buffer: Buffer.from(`${header}\n${good}\n`) });
  await follow(office, office.getByRole('button', { name: '上传并检查' }));
  await expectText(office, '将新增 1 件');
  await follow(office, office.getByRole('button', { name: '确认导入 1 件' }));
  await expectText(office, '导入 1 件提案');
  await staff.goto(`${BASE}/deadlines`);
  await look(staff, 'deadlines', { screenshot: true });
  const admin = await person('admin');
  await admin.goto(`${BASE}/admin`);
  await look(admin, 'admin', { screenshot: true });
  const leader = await person('leader');
  await leader.goto(`${BASE}/proposals`);
  await expectText(leader, '关于完善社区养老驿站服务的提案');
  await look(leader, 'proposals-leader', { screenshot: true });

  // Two more lives: a refused filing the member reads, and a return approved with reassignment.
  async function draft(title) {
    await member.goto(`${BASE}/proposals/new`);
    await member.getByLabel('标题').fill(title);
    await member.getByLabel('类别').fill('城乡建设');
    await member.getByLabel('案由').fill('居民反映强烈，现有设施不足，影响日常生活和出行安全。');
    await member.getByLabel('建议', { exact: true }).fill('1. 开展专项调查。\n2. 制定改进计划。');
    await follow(member, member.getByRole('button', { name: '保存草稿' }));
    const newId = new URL(member.url()).pathname.split('/')[2];
    await act(member, newId, 'submit');
    return newId;
  }
  step = 'a refused filing';
  const refusedId = await draft('关于在小区增设快递柜的提案');
  await act(office, refusedId, 'refuse_filing', async (f) => {
    await f.getByLabel('理由').selectOption('individual_case');
    await f.getByLabel('给提案人的说明').fill('所提事项属于物业管理范畴，建议向街道反映。');
  });
  await member.goto(`${BASE}/proposals/${refusedId}`);
  await expectText(member, '不予立案');
  await expectText(member, '涉及个人或具体案件');
  await expectText(member, '所提事项属于物业管理范畴');
  await look(member, 'proposal-refused', { screenshot: true });

  step = 'a return with reassignment';
  const returnedId = await draft('关于规范共享单车停放的提案');
  await act(office, returnedId, 'file');
  await act(office, returnedId, 'assign', (f) => f.getByLabel('区发展和改革委员会', { exact: true }).selectOption('lead'));
  await act(staff, returnedId, 'request_return', (f) => f.getByLabel('理由').fill('不属于本单位职责，建议交区教育局。'));
  await office.goto(`${BASE}/proposals/${returnedId}`);
  await expectText(office, '不属于本单位职责');
  await act(office, returnedId, 'decide_return', (f) => f.getByLabel(/改由哪个单位承办/).selectOption({ label: '区教育局' }), '同意');
  await coStaff.goto(`${BASE}/proposals/${returnedId}`);
  if (!(await coStaff.locator(`form[action="/proposals/${returnedId}/act/sign_for"]`).count())) fail('the new unit cannot sign for it');
  await staff.goto(`${BASE}/proposals/${returnedId}`);
  await expectText(staff, '未找到');

  // A refused form says what is wrong beside the field and keeps what was typed.
  step = 'a refused form';
  await member.goto(`${BASE}/proposals/new`);
  await member.getByLabel('标题').fill('太短');
  await member.getByLabel('案由').fill('理由还不够长');
  await follow(member, member.getByRole('button', { name: '保存草稿' }));
  if ((await member.getByLabel('标题').inputValue()) !== '太短') fail('the title typed was lost');
  if ((await member.locator('#title-error').count()) !== 1) fail('no message beside the title');
  await look(member, 'proposal-new-refused', { screenshot: true });

  console.log(`browser lives passed; page kinds checked: ${[...checked].join(', ')}`);
} finally {
  await browser.close();
}
