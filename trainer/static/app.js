// The training ground's page: phones side by side, kept up to date by server-sent events.
// Everything the server sends as text is escaped here; message bodies come as HTML the server
// built from Telegram's entities, every piece of text in them already escaped.
"use strict";

const words = JSON.parse(document.getElementById("words").textContent);
const lang = document.documentElement.lang;
let current = null; // the last state shown

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
}

for (const el of document.querySelectorAll("[data-word]")) {
  el.textContent = words[el.dataset.word];
}

// ---- talking to the server ----------------------------------------------------------------

async function post(action, body) {
  let answer;
  try {
    const response = await fetch(`/api/${action}?lang=${lang}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    answer = await response.json();
  } catch (error) {
    answer = { error: words.offline };
  }
  return answer;
}

async function act(action, body, phone) {
  const answer = await post(action, body);
  if (answer.error) toast(phone, answer.error, true);
  else if (answer.toast) toast(phone, answer.toast, answer.alert);
  return answer;
}

function toast(phone, text, long) {
  const host = phone ? document.getElementById(`phone-${phone}`) : null;
  if (!host) { status(text, true); return; }
  const box = document.createElement("div");
  box.className = "toast";
  box.setAttribute("role", "status");
  box.textContent = text;
  host.appendChild(box);
  setTimeout(() => box.remove(), long ? 5000 : 2500);
}

function status(text, failed) {
  const bar = document.getElementById("status");
  bar.hidden = !text;
  bar.textContent = text || "";
  bar.classList.toggle("failed", Boolean(failed));
}

function choose(question, choices) {
  // A sheet with one button per choice; resolves to the chosen value (null: cancelled).
  return new Promise((resolve) => {
    const modal = document.getElementById("modal");
    const list = document.getElementById("modal-choices");
    document.getElementById("modal-question").textContent = question;
    list.innerHTML = "";
    const done = (value) => { modal.hidden = true; resolve(value); };
    for (const [value, label] of [...choices, [null, words.cancel]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", () => done(value));
      list.appendChild(button);
    }
    modal.hidden = false;
  });
}

// ---- drawing -----------------------------------------------------------------------------

function messageHtml(m, chat) {
  if (m.service) return `<div class="service"><span>${esc(m.service)}</span></div>`;
  const at = `data-chat="${chat}" data-message="${m.id}"`;
  let body = "";
  if (!m.mine && (chat === "group" || !m.from_bot)) body += `<div class="author">${esc(m.author)}</div>`;
  if (m.reply_to) body += `<div class="reply">${esc(m.reply_to)}</div>`;
  if (m.poll) {
    const p = m.poll;
    body += `<div class="poll"><b>📊 ${esc(p.question)}</b>`;
    p.options.forEach((o, i) => {
      body += `<button type="button" class="opt${o.chosen ? " chosen" : ""}" data-act="vote" ${at}
        data-option="${i}" ${p.closed ? "disabled" : ""}>${esc(o.text)}<span class="n">${o.count}</span></button>`;
    });
    body += `<div class="meta">${p.total} ${esc(words.votes)}${p.closed ? " · " + esc(words.closed) : ""}</div></div>`;
  }
  if (m.venue) body += `<div class="card">📍 <b>${esc(m.venue.title)}</b><br>${esc(m.venue.address)}<div class="meta">${esc(m.venue.at)}</div></div>`;
  if (m.location) body += `<div class="card">📍 ${esc(m.location)}</div>`;
  if (m.contact) body += `<div class="card">👤 ${esc(m.contact.name)}<br>${esc(m.contact.phone)}</div>`;
  if (m.document) body += `<div class="card">📎 ${esc(m.document)}</div>`;
  if (m.photo && m.photo.startsWith("data:image/png;base64,")) body += `<img class="photo" alt="" src="${m.photo}">`;
  if (m.html) body += `<div class="text">${m.html}</div>`; // built and escaped by the server
  const meta = [m.pinned ? "📌 " + words.pinned : "", m.edited ? words.edited : ""].filter(Boolean);
  if (meta.length) body += `<div class="meta">${esc(meta.join(" · "))}</div>`;
  let html = `<div class="msg${m.mine ? " mine" : ""}" ${at}>${body}</div>`;
  if (m.buttons && m.buttons.length) {
    html += `<div class="kb">`;
    m.buttons.forEach((row, r) => {
      html += `<div class="r">`;
      row.forEach((b, c) => {
        html += `<button type="button" data-act="press" ${at} data-row="${r}" data-col="${c}">${esc(b.text)}${b.url ? " ↗" : b.copy ? " ⧉" : ""}</button>`;
      });
      html += `</div>`;
    });
    html += `</div>`;
  }
  return html;
}

function keysHtml(rows) {
  if (!rows.length) return "";
  return rows.map((row, r) => `<div class="r">${row.map((k, c) =>
    `<button type="button" data-act="key" data-kind="${esc(k.kind)}" data-row="${r}" data-col="${c}">${esc(k.text)}</button>`
  ).join("")}</div>`).join("");
}

function phoneShell(key, title, subtitle, group) {
  const phone = document.createElement("article");
  phone.className = "phone";
  phone.id = `phone-${key}`;
  phone.dataset.phone = key;
  phone.innerHTML = `
    <header><b>${esc(title)}</b><span class="small subtitle">${esc(subtitle)}</span>
      ${group ? `<span class="small"> · ${esc(words.as)} <select class="as"></select></span>` : ""}</header>
    <div class="pinned" hidden></div>
    <div class="messages"></div>
    <div class="menu"></div>
    <div class="keys"></div>
    <form class="compose">
      ${group ? "" : `<button type="button" class="menu-button" title="${esc(words.menu)}">/</button>
      <button type="button" class="attach" title="${esc(words.attach)}">📎</button>`}
      <input name="text" autocomplete="off" placeholder="${esc(words.message)}" aria-label="${esc(words.message)}">
      <button type="submit">${esc(words.send)}</button>
    </form>`;
  // The chat follows what comes in while its reader is at the bottom, as a phone does; one
  // who scrolled up to read stays where they are.
  const list = phone.querySelector(".messages");
  list.stick = true;
  list.addEventListener("scroll", () => {
    list.stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  });
  phone.querySelector(".compose").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = phone.querySelector("input[name=text]");
    const text = input.value.trim();
    if (!text) return;
    const answer = await act("send", { who: actor(phone), chat: chatOf(phone), text }, key);
    if (!answer.error) input.value = "";
  });
  return phone;
}

function chatOf(phone) { return phone.dataset.phone === "group" ? "group" : "private"; }

function actor(phone) {
  if (phone.dataset.phone !== "group") return phone.dataset.phone;
  return phone.querySelector("select.as").value;
}

function drawChat(phone, chat, name) {
  const list = phone.querySelector(".messages");
  const html = chat.messages.map((m) => messageHtml(m, name)).join("");
  const stick = list.stick;
  if (list.dataset.html !== html) {
    list.innerHTML = html;
    list.dataset.html = html;
  }
  const pinned = phone.querySelector(".pinned");
  pinned.hidden = !chat.pinned;
  pinned.textContent = chat.pinned ? `📌 ${chat.pinned}` : "";
  const keys = phone.querySelector(".keys");
  const keyHtml = keysHtml(chat.keyboard || []);
  if (keys.dataset.html !== keyHtml) { keys.innerHTML = keyHtml; keys.dataset.html = keyHtml; }
  if (stick) list.scrollTop = list.scrollHeight; // after the keyboard and the pinned bar took their room
}

function draw(state) {
  current = state;
  if (state.resetting) { status(words.resetting); return; }
  document.getElementById("clock").textContent = state.clock;
  document.getElementById("next-step").textContent = state.next_step
    ? fill(words.next_at, { moment: state.next_step }) : words.nothing_planned;
  if (state.failed) status(state.failed, true);
  else if (state.playing) status(fill(words.playing, { step: state.playing }));
  else status("");
  const busy = Boolean(state.busy);
  for (const b of document.querySelectorAll("[data-act=clock], .scenario button")) b.disabled = busy;

  const phones = document.getElementById("phones");
  const names = Object.fromEntries(state.phones.map((p) => [p.key, p.name]));
  for (const p of state.phones) {
    let phone = document.getElementById(`phone-${p.key}`);
    if (!phone) phones.appendChild(phone = phoneShell(p.key, p.name, p.role, false));
    phone.querySelector(".subtitle").textContent =
      ` · ${p.role}${p.in_group ? "" : " · " + words.not_in_group}`;
    drawChat(phone, p, "private");
    const menu = phone.querySelector(".menu");
    const menuHtml = p.menu.map((c) => `<button type="button" data-act="command" data-cmd="/${esc(c.command)}">/${esc(c.command)}<small>${esc(c.description)}</small></button>`).join("");
    if (menu.dataset.html !== menuHtml) { menu.innerHTML = menuHtml; menu.dataset.html = menuHtml; }
  }
  let group = document.getElementById("phone-group");
  if (!group) phones.appendChild(group = phoneShell("group", state.group.title, words.group, true));
  group.querySelector("b").textContent = state.group.title;
  const select = group.querySelector("select.as");
  const options = state.group.members.map((k) => `<option value="${esc(k)}">${esc(names[k])}</option>`).join("");
  if (select.dataset.html !== options) {
    const chosen = select.value;
    select.innerHTML = options;
    select.dataset.html = options;
    if (state.group.members.includes(chosen)) select.value = chosen;
  }
  drawChat(group, state.group, "group");
  if (state.whatsapp) drawWhatsApp(state.whatsapp);

  const list = document.getElementById("scenarios");
  const scenariosHtml = state.scenarios.map((s) => `<div class="scenario" data-scenario="${esc(s.key)}">
      <b>${esc(s.title)}</b><p>${esc(s.what)}</p>
      <ol>${s.steps.map((st) => `<li class="${st.done ? "done" : ""}">${esc(st.title)}</li>`).join("")}</ol>
      <button type="button" data-act="play" data-scenario="${esc(s.key)}">▶ ${esc(words.step)}</button>
      <button type="button" data-act="play" data-scenario="${esc(s.key)}" data-all="1">⏭ ${esc(words.all)}</button>
    </div>`).join("");
  if (list.dataset.html !== scenariosHtml) { list.innerHTML = scenariosHtml; list.dataset.html = scenariosHtml; }
  for (const b of list.querySelectorAll("button")) b.disabled = busy;
  const log = document.getElementById("log");
  const logHtml = state.log.map((line) => `<li>${esc(line)}</li>`).join("");
  if (log.dataset.html !== logHtml) { log.innerHTML = logHtml; log.dataset.html = logHtml; }
}

// ---- the WhatsApp phone ----------------------------------------------------------------------
// Its messages come as the server built them: text in WhatsApp's markup, escaped, then marked.

function waMessageHtml(m) {
  if (m.mine) {
    const said = m.tap !== undefined ? `<div class="tap">↩ ${esc(m.tap)}</div>` : `<div class="text">${m.html}</div>`;
    return `<div class="msg mine">${said}</div>`;
  }
  let body = "";
  if (m.location) body += `<div class="card">📍 <b>${esc(m.location.name)}</b><br>${esc(m.location.address)}<div class="meta">${esc(m.location.at)}</div></div>`;
  if (m.html) body += `<div class="text">${m.html}</div>`; // built and escaped by the server
  const heard = words[`wa_${m.status}`] || m.status;
  body += `<div class="meta">${esc(m.time)} <span class="ticks ${esc(m.status)}" title="${esc(heard)}">${esc(m.ticks)}</span></div>`;
  let html = `<div class="msg" data-wa-message="${m.id}">${body}</div>`;
  const buttons = m.buttons.map((b, i) =>
    `<button type="button" data-act="wa_tap" data-message="${m.id}" data-option="${i}">${esc(b)}</button>`);
  if (m.list) buttons.push(`<button type="button" data-act="wa_list" data-message="${m.id}">☰ ${esc(m.list.button)}</button>`);
  if (buttons.length) html += `<div class="wa-buttons">${buttons.join("")}</div>`;
  return html;
}

function drawWhatsApp(wa) {
  let phone = document.getElementById(`phone-${wa.key}`);
  if (!phone) {
    phone = document.createElement("article");
    phone.className = "phone wa";
    phone.id = `phone-${wa.key}`;
    phone.dataset.phone = wa.key;
    phone.dataset.wa = "1";
    phone.innerHTML = `
      <header><b></b><span class="small subtitle"></span></header>
      <div class="messages"></div>
      <form class="compose">
        <button type="button" class="wa-attach" title="${esc(words.attach)}">📎</button>
        <input name="text" autocomplete="off" placeholder="${esc(words.message)}" aria-label="${esc(words.message)}">
        <button type="submit">${esc(words.send)}</button>
      </form>`;
    const list = phone.querySelector(".messages");
    list.stick = true;
    list.addEventListener("scroll", () => {
      list.stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    });
    phone.querySelector(".compose").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = phone.querySelector("input[name=text]");
      const text = input.value.trim();
      if (!text) return;
      const answer = await act("wa_send", { text }, wa.key);
      if (!answer.error) input.value = "";
    });
    const owner = document.getElementById(`phone-${wa.owner}`);
    if (owner) owner.after(phone); else document.getElementById("phones").appendChild(phone);
  }
  phone.querySelector("header b").textContent = wa.name;
  phone.querySelector(".subtitle").textContent = ` · WhatsApp · ${wa.role}`;
  const list = phone.querySelector(".messages");
  const html = wa.messages.map(waMessageHtml).join("");
  const stick = list.stick;
  if (list.dataset.html !== html) { list.innerHTML = html; list.dataset.html = html; }
  if (stick) list.scrollTop = list.scrollHeight;
}

async function openWaList(id) {
  const m = current && current.whatsapp ? current.whatsapp.messages.find((x) => !x.mine && x.id === id) : null;
  if (!m || !m.list) return;
  const rows = m.list.rows.map((r, i) => [String(i), r.description ? `${r.title} — ${r.description}` : r.title]);
  const picked = await choose(m.list.button, rows);
  if (picked !== null) await act("wa_tap", { message: id, option: Number(picked) }, current.whatsapp.key);
}

// ---- what a click does ---------------------------------------------------------------------

async function openLink(url, phoneKey) {
  const people = current ? current.phones.map((p) => [p.key, p.name]) : [];
  people.sort((a, b) => (a[0] === phoneKey ? -1 : b[0] === phoneKey ? 1 : 0));
  const who = await choose(`${words.open_as}\n${url}`, people);
  if (!who) return;
  const answer = await act("open", { who, url }, who);
  if (answer.wa_prefill !== undefined) { // a wa.me link: WhatsApp opens with the text typed in
    const field = document.querySelector(`#phone-${answer.wa_phone} input[name=text]`);
    if (field) { field.value = answer.wa_prefill; field.focus(); }
  }
}

document.addEventListener("click", async (event) => {
  const target = event.target.closest("[data-act], a.cmd, a.link, .menu-button, .attach, .wa-attach");
  if (!target) return;
  const phone = target.closest(".phone");
  const key = phone ? phone.dataset.phone : null;
  if (target.matches("a")) event.preventDefault();
  if (target.matches("a.cmd") || target.dataset.act === "command") {
    if (phone) phone.querySelector(".menu").classList.remove("open");
    await act("send", { who: actor(phone), chat: chatOf(phone), text: target.dataset.cmd }, key);
  } else if (target.matches("a.link")) {
    await openLink(target.dataset.url, phone && key !== "group" ? key : null);
  } else if (target.dataset.act === "wa_tap") {
    await act("wa_tap", { message: Number(target.dataset.message), option: Number(target.dataset.option) }, key);
  } else if (target.dataset.act === "wa_list") {
    await openWaList(Number(target.dataset.message));
  } else if (target.matches(".wa-attach")) {
    const what = await choose(words.attach, [["location", words.share_location]]);
    if (what === "location") {
      const at = window.prompt(words.location_prompt, "52.3907, 4.9264");
      if (at !== null) await act("wa_share", { at }, key);
    }
  } else if (target.matches(".menu-button")) {
    phone.querySelector(".menu").classList.toggle("open");
  } else if (target.matches(".attach")) {
    const what = await choose(words.attach, [["location", words.share_location], ["contact", words.share_contact]]);
    if (what === "location") {
      const at = window.prompt(words.location_prompt, "52.3907, 4.9264");
      if (at !== null) await act("share", { who: key, what, at }, key);
    } else if (what === "contact") {
      await act("share", { who: key, what }, key);
    }
  } else if (target.dataset.act === "press") {
    const body = { who: actor(phone), chat: target.dataset.chat,
      message: Number(target.dataset.message), row: Number(target.dataset.row), col: Number(target.dataset.col) };
    const m = findMessage(key, body.message);
    const button = m && m.buttons[body.row] && m.buttons[body.row][body.col];
    if (button && button.url) await openLink(button.url, key !== "group" ? key : null);
    else {
      const answer = await act("press", body, key);
      const field = phone.querySelector("input[name=text]");
      if (answer.copied !== undefined && field) { field.value = answer.copied; field.focus(); }
    }
  } else if (target.dataset.act === "vote") {
    await act("vote", { who: actor(phone), chat: target.dataset.chat,
      message: Number(target.dataset.message), option: Number(target.dataset.option) }, key);
  } else if (target.dataset.act === "key") {
    const body = { who: key, row: Number(target.dataset.row), col: Number(target.dataset.col) };
    if (target.dataset.kind === "users") {
      const others = current.phones.filter((p) => p.key !== key).map((p) => [p.key, p.name]);
      const picked = await choose(words.pick_people, others);
      if (!picked) return;
      body.picked = [picked];
    }
    await act("key", body, key);
  } else if (target.dataset.act === "clock") {
    await act("clock", { by: target.dataset.by }, null);
  } else if (target.dataset.act === "play") {
    await act("play", { scenario: target.dataset.scenario, all: Boolean(target.dataset.all) }, null);
  } else if (target.dataset.act === "reset") {
    if (window.confirm(words.reset_confirm)) await act("reset", { language: lang }, null);
  }
});

document.getElementById("language").addEventListener("click", (event) => {
  // The page in the other language; the phones follow at the next reset.
  event.preventDefault();
  window.location.href = `/?lang=${event.currentTarget.dataset.lang}`;
});

function findMessage(key, id) {
  if (!current) return null;
  const chat = key === "group" ? current.group : current.phones.find((p) => p.key === key);
  return chat ? chat.messages.find((m) => m.id === id) : null;
}

// ---- staying up to date --------------------------------------------------------------------

function follow() {
  if (!window.EventSource) { // polling where there are no server-sent events
    const poll = async () => {
      try { draw(await (await fetch(`/api/state?lang=${lang}`)).json()); } catch (e) { status(words.offline, true); }
      setTimeout(poll, 1000);
    };
    poll();
    return;
  }
  const source = new EventSource(`/api/events?lang=${lang}`);
  source.onmessage = (event) => draw(JSON.parse(event.data));
  source.onerror = () => { if (source.readyState !== EventSource.OPEN) status(words.offline, true); };
}
follow();
