// The stembalie: a USB barcode scanner types a code and Enter into the one
// input, which therefore always has the focus. Every refusal comes from the
// API as problem JSON whose Dutch `detail` is shown as it is; a refused step
// changes nothing, so the officer simply scans again.
"use strict";

const meeting = document.body.dataset.meeting;
const base = `/api/meetings/${encodeURIComponent(meeting)}`;
// The officer is logged in (the page needs it): the browser sends the session
// cookie itself; every change carries the page's CSRF token.
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const HANDSET = /^[0-9]{6}$/;
const CARD = /^ALV1\./i;

const $ = (id) => document.getElementById(id);
const scan = $("scan");

const PROMPTS = {
  "register.card": "Scan de stemkaart.",
  "register.handset": (s) => `Scan het label van het stemkastje voor ${s.member.name}.`,
  "return.handset": "Kastje innemen: scan het stemkastje (of de stemkaart).",
  "swap.old": "Kastje ruilen: scan het kapotte stemkastje (of de stemkaart).",
  "swap.new": (s) => `Scan het nieuwe stemkastje voor ${s.member.name} (nu ${s.member.handset}).`,
  "nocard.search": "Stemkaart vergeten: typ (een deel van) de naam van de gemeente.",
  "nocard.choose": "Typ het nummer van de gemeente in de lijst.",
  "nocard.officer": (s) =>
    `Controleer wie de vertegenwoordiger van ${s.member.name} is. Typ uw naam ter bevestiging.`,
  "nocard.handset": (s) => `Scan het label van het stemkastje voor ${s.member.name}.`,
};

let state = { mode: "register", step: "card" };

function setState(next) {
  state = next;
  const prompt = PROMPTS[`${state.mode}.${state.step}`];
  $("prompt").textContent = typeof prompt === "function" ? prompt(state) : prompt;
  for (const button of document.querySelectorAll("nav button")) {
    button.classList.toggle("active", button.dataset.mode === state.mode);
  }
  $("candidates").hidden = state.step !== "choose";
}

function startMode(mode) {
  const first = { register: "card", return: "handset", swap: "old", nocard: "search" }[mode];
  setState({ mode, step: first });
}

function say(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
}

const votes = (n) => (n === 1 ? "stem" : "stemmen");

function showMember(status) {
  $("member").hidden = false;
  $("member-name").textContent = `${status.name} (${status.member})`;
  $("member-weight").textContent = status.weight ?? "?";
  $("member-votes").textContent = votes(status.weight);
  $("member-status").textContent = status.present
    ? `aangemeld met stemkastje ${status.handset}`
    : "niet aangemeld";
}

function showStempas(status) {
  showMember(status);
  $("stempas").hidden = false;
  $("stempas-name").textContent = status.name;
  $("stempas-weight").textContent = status.weight;
  $("stempas-votes").textContent = votes(status.weight);
  $("stempas-handset").textContent = status.handset;
}

function hideResult() {
  $("stempas").hidden = true;
}

class Refused extends Error {}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers: {
        "X-CSRF-Token": CSRF,
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Refused("Geen verbinding met de registratiedienst. Probeer het opnieuw.");
  }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    // The session ended (logout, expiry, the secretariat): log in again, back here.
    window.location.reload();
  }
  if (!response.ok) throw new Refused(data.detail || `Geweigerd (${response.status}).`);
  return data;
}

async function memberFrom(input) {
  // A handset label or a stemkaart both identify who is registered.
  if (HANDSET.test(input)) return api("GET", `/handsets/${input}`);
  return api("POST", "/desk/scan", { card_code: input });
}

function requirePresent(status) {
  if (!status.present) throw new Refused(`${status.name} is niet aangemeld en heeft geen stemkastje.`);
  return status;
}

const steps = {
  async "register.card"(input) {
    if (HANDSET.test(input)) throw new Refused("Scan eerst de stemkaart, daarna het stemkastje.");
    const status = await api("POST", "/desk/scan", { card_code: input });
    showMember(status);
    if (status.present) {
      const at = new Date(status.registered_at).toLocaleTimeString("nl-NL");
      throw new Refused(`${status.name} is al aangemeld om ${at} met stemkastje ${status.handset}.`);
    }
    say(`${status.name}: ${status.weight} ${votes(status.weight)}. Scan nu het stemkastje.`, "ok");
    setState({ mode: "register", step: "handset", member: status, code: input });
  },
  async "register.handset"(input) {
    if (CARD.test(input)) return steps["register.card"](input);
    const status = await api("POST", "/registrations", { card_code: state.code, handset: input });
    showStempas(status);
    say(`${status.name} is aangemeld met stemkastje ${status.handset}. Geef de stempas af.`, "ok");
    startMode("register");
  },
  async "return.handset"(input) {
    const status = requirePresent(await memberFrom(input));
    const returned = await api("POST", `/registrations/${status.member}/return`);
    showMember(returned);
    say(`Stemkastje ${status.handset} van ${status.name} is ingenomen.`, "ok");
    startMode("register");
  },
  async "swap.old"(input) {
    const status = requirePresent(await memberFrom(input));
    showMember(status);
    say(`${status.name} heeft stemkastje ${status.handset}. Scan het nieuwe stemkastje.`, "ok");
    setState({ mode: "swap", step: "new", member: status });
  },
  async "swap.new"(input) {
    const status = await api("POST", `/registrations/${state.member.member}/swap`, { handset: input });
    showStempas(status);
    say(`${status.name} stemt nu met stemkastje ${status.handset}.`, "ok");
    startMode("register");
  },
  async "nocard.search"(input) {
    const found = await api("GET", `/members/search?q=${encodeURIComponent(input)}`);
    if (found.length === 0) throw new Refused(`Geen gemeente gevonden met "${input}".`);
    const list = $("candidates");
    list.replaceChildren(
      ...found.map((m) => {
        const item = document.createElement("li");
        item.textContent = `${m.name} (${m.member}), ${m.weight ?? "?"} ${votes(m.weight)}${m.present ? ", al aangemeld" : ""}`;
        return item;
      }),
    );
    say(`${found.length} gevonden.`, "ok");
    setState({ mode: "nocard", step: "choose", candidates: found });
  },
  async "nocard.choose"(input) {
    const chosen = state.candidates[Number.parseInt(input, 10) - 1];
    if (!chosen) throw new Refused(`Typ een nummer van 1 tot en met ${state.candidates.length}.`);
    showMember(chosen);
    setState({ mode: "nocard", step: "officer", member: chosen });
    say(`${chosen.name} gekozen.`, "ok");
  },
  async "nocard.officer"(input) {
    if (input.length < 2) throw new Refused("Typ uw naam om te bevestigen.");
    setState({ ...state, step: "handset", officer: input });
    say(`Bevestigd door ${input}. Scan nu het stemkastje.`, "ok");
  },
  async "nocard.handset"(input) {
    const status = await api("POST", "/registrations/without-card", {
      member: state.member.member,
      handset: input,
      officer: state.officer,
      confirmed: true,
    });
    showStempas(status);
    say(`${status.name} is zonder stemkaart aangemeld met stemkastje ${status.handset}.`, "ok");
    startMode("register");
  },
};

let busy = false;
scan.addEventListener("keydown", async (event) => {
  if (event.key === "Escape") {
    startMode("register");
    return;
  }
  if (event.key !== "Enter" || busy) return;
  event.preventDefault();
  const input = scan.value.trim();
  scan.value = "";
  if (!input) return;
  busy = true;
  hideResult();
  try {
    await steps[`${state.mode}.${state.step}`](input);
  } catch (error) {
    say(error instanceof Refused ? error.message : `Onverwachte fout: ${error}`, "error");
  } finally {
    busy = false;
    refreshPresence();
  }
});

for (const button of document.querySelectorAll("nav button")) {
  button.addEventListener("click", () => {
    startMode(button.dataset.mode);
    $("message").hidden = true;
    scan.focus();
  });
}

// The scanner types into whatever has the focus: keep it on the input.
function refocus() {
  setTimeout(() => scan.focus(), 0);
}
scan.addEventListener("blur", refocus);
document.addEventListener("click", refocus);

async function refreshPresence() {
  try {
    const response = await fetch(`${base}/presence`);
    if (!response.ok) return;
    const p = await response.json();
    $("present-members").textContent = p.present_members;
    $("total-members").textContent = p.total_members;
    $("present-weight").textContent = p.present_weight.toLocaleString("nl-NL");
    $("total-weight").textContent = p.total_weight.toLocaleString("nl-NL");
  } catch {
    // The next poll tries again; the desk keeps working meanwhile.
  }
}

// During a proefstemming: whose handset has not responded yet, so the desk
// can check or swap it before the first real vote.
async function refreshTestVote() {
  try {
    const response = await fetch(`${base}/test-vote`);
    if (!response.ok) return;
    const t = await response.json();
    $("test-vote").hidden = t.vote_id === null;
    if (t.vote_id === null) return;
    $("test-vote-title").textContent = t.title;
    $("test-vote-summary").textContent = t.missing.length === 0
      ? "Alle aanwezige gemeenten hebben gereageerd."
      : `Nog niet gereageerd: ${t.missing.length} gemeente(n). Controleer of ruil hun kastje.`;
    $("test-vote-missing").replaceChildren(...t.missing.map((m) => {
      const li = document.createElement("li");
      li.textContent = `${m.name}: kastje ${m.handset}`;
      return li;
    }));
  } catch {
    // The next poll tries again; the desk keeps working meanwhile.
  }
}

startMode("register");
refreshPresence();
refreshTestVote();
setInterval(refreshPresence, 2000);
setInterval(refreshTestVote, 2000);
scan.focus();
