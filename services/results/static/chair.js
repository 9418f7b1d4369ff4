// The chair's screen: follows what to show on the results service's event
// stream (EventSource reconnects by itself) and renders it. A slow poll of
// /current is the safety net, faster while the stream is down.
"use strict";

(function () {
  const POLL_MS = 3000; // while the stream is open
  const FALLBACK_POLL_MS = 2000; // while it is not
  const REOPEN_MS = [1000, 2000, 5000, 10000]; // after the browser gave the stream up
  const TIMEOUT_MS = 3000;
  // The Dutch words are defined once, in Python (services/common/labels.py).
  const KINDS = JSON.parse(document.getElementById("labels").textContent).vote_kinds;
  const SECTIONS = ["loading", "idle", "progress", "result", "annulled"];

  const meeting = document.body.dataset.meeting;
  const base = "/api/meetings/" + encodeURIComponent(meeting);
  const url = base + "/current";
  const streamUrl = base + "/stream";
  const $ = (id) => document.getElementById(id);
  let shownResult = null; // key of the result on screen; bars are built once per result
  let shownAt = 0; // server_time of what is on screen: an older answer never replaces it
  let clockOffset = 0; // server clock minus ours, for the elapsed time of an open vote
  let openedAt = null; // opened_at of the open vote on screen, else null

  // Whole numbers as the minutes write them (13.074), like labels.dutch_number.
  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function votes(n) {
    return number(n) + (n === 1 ? " stem" : " stemmen");
  }

  function clock(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  }

  function show(section) {
    for (const id of SECTIONS) $(id).hidden = id !== section;
  }

  // The head of the chain after this result: short enough to read out and to
  // type into `alv verify --expect-head`, and the full hash for the commissie.
  function renderChain(outcome) {
    const link = outcome && outcome.record;
    $("chain").hidden = !link;
    if (!link) return;
    $("chain-short").textContent = link.hash.slice(0, 16).match(/.{4}/g).join(" ");
    $("chain-sequence").textContent = String(link.sequence);
    $("chain-full").textContent = link.hash;
  }

  function heading(vote) {
    $("vote-kind").textContent = vote ? KINDS[vote.kind] || vote.kind : "";
    $("vote-title").textContent = vote ? vote.title : "";
  }

  function renderProgress(current) {
    const p = current.progress;
    const test = current.vote.kind === "proefstemming";
    $("progress-heading").textContent =
      current.state === "open" ? (test ? "Proefstemming: druk op een toets" : "Er wordt gestemd")
                               : "Proefstemming gesloten";
    $("progress-members").textContent = number(p.voted.members) + " van " + number(p.electorate.members);
    $("progress-weight").textContent = number(p.voted.weight) + " van " + number(p.electorate.weight);
    $("elapsed").textContent = clock(p.elapsed_seconds);
    openedAt = current.state === "open" && p.opened_at ? Date.parse(p.opened_at) : null;
    const share = p.electorate.weight ? (100 * p.voted.weight) / p.electorate.weight : 0;
    $("progress-bar").style.width = share + "%";
    $("progress-note").textContent = test ? "Een proefstemming telt niet." : "";
  }

  function barRow(tally, base, winner) {
    const row = document.createElement("li");
    row.className = "bar-row";
    row.dataset.key = tally.key;
    row.dataset.role = tally.role;
    row.dataset.testid = "bar-" + tally.key;
    row.dataset.winner = String(winner);
    const label = document.createElement("span");
    label.className = "bar-label";
    label.textContent = tally.label;
    const track = document.createElement("span");
    track.className = "bar-track";
    const fill = document.createElement("span");
    fill.className = "bar-fill";
    fill.style.display = "block";
    fill.style.width = (base ? (100 * tally.weight) / base : 0) + "%";
    track.appendChild(fill);
    const numbers = document.createElement("span");
    numbers.className = "bar-numbers";
    const weight = document.createElement("span");
    weight.className = "weight";
    weight.textContent = votes(tally.weight);
    const pct = document.createElement("span");
    pct.className = "percentage";
    pct.textContent = tally.percentage || "–";
    numbers.append(weight, pct);
    row.append(label, track, numbers);
    return row;
  }

  function renderResult(outcome) {
    const key = outcome.vote.id + ":" + (outcome.record ? outcome.record.hash : "live");
    if (key === shownResult) return;
    shownResult = key;
    const decision = outcome.decision;
    $("outcome-sentence").textContent = decision ? decision.sentence_2023
      : outcome.not_computable ? "uitslag niet te berekenen: " + outcome.not_computable : "";
    const bars = $("bars");
    bars.replaceChildren();
    if (outcome.vote.decided_by === "acclamation") {
      // Nobody asked for a vote: there are no numbers to show.
      $("not-counted").textContent = "";
      $("basis").textContent = "Zonder stemming: niemand in de zaal vroeg om een stemming.";
      $("turnout").textContent = "";
      return;
    }
    const outside = [];
    for (const tally of outcome.tallies) {
      if (tally.in_base) {
        const winner = decision !== null &&
          (decision.winner === tally.key || (decision.adopted === true && tally.role === "for") ||
           (decision.adopted === false && tally.role === "against"));
        bars.appendChild(barRow(tally, outcome.base.weight, winner));
      } else {
        outside.push(tally.label + ": " + votes(tally.weight));
      }
    }
    $("not-counted").textContent = outside.length ? outside.join(", ") + " (telt niet mee als uitgebracht)" : "";
    $("basis").textContent = "Uitgebracht (" + outcome.base.description + "): " + votes(outcome.base.weight) +
      ". Vereist: " + outcome.required.description +
      (outcome.required_votes == null ? "" : ", dat is ten minste " + votes(outcome.required_votes)) + ".";
    $("turnout").textContent = "Gestemd: " + number(outcome.voted.members) + " van " +
      number(outcome.electorate.members) + " gemeenten, " + number(outcome.voted.weight) + " van " +
      votes(outcome.electorate.weight) + ".";
  }

  // The running tally, only when the chair switched it on (control view).
  function renderLive(outcome) {
    $("live-tally").hidden = !outcome;
    const bars = $("live-bars");
    if (!outcome) {
      bars.replaceChildren();
      return;
    }
    bars.replaceChildren(...outcome.tallies.filter((t) => t.in_base)
      .map((t) => barRow(t, outcome.base.weight, false)));
  }

  function renderAttendance(attendance) {
    $("attendance").hidden = !attendance;
    if (!attendance) return;
    $("attendance-members").textContent =
      number(attendance.present.members) + " van " + number(attendance.total.members);
    $("attendance-weight").textContent =
      number(attendance.present.weight) + " van " + number(attendance.total.weight);
  }

  // Between events the clock of an open vote runs here.
  function tick() {
    if (openedAt === null) return;
    const seconds = Math.floor((Date.now() + clockOffset - openedAt) / 1000);
    $("elapsed").textContent = clock(Math.max(0, seconds));
  }

  function render(current) {
    const at = Date.parse(current.server_time);
    if (at < shownAt) return; // a poll answered after a newer event
    shownAt = at;
    clockOffset = at - Date.now();
    openedAt = null;
    document.body.dataset.state = current.state;
    heading(current.vote);
    renderChain(current.state === "closed" || current.state === "annulled" ? current.outcome : null);
    if (current.state === "open" || current.state === "test") {
      shownResult = null;
      renderProgress(current);
      renderLive(current.state === "open" ? current.outcome : null);
      show("progress");
    } else if (current.state === "closed") {
      renderResult(current.outcome);
      show("result");
    } else if (current.state === "annulled") {
      shownResult = null;
      $("annulled-reason").textContent = current.outcome.annulled_reason || "";
      show("annulled");
    } else {
      shownResult = null;
      renderAttendance(current.attendance);
      show("idle");
    }
  }

  // The notice follows the latest word from the service, by stream or poll.
  let streamOpen = false;
  let pollOk = true;

  function connected(ok) {
    $("connection").hidden = ok;
    document.body.dataset.connected = String(ok);
  }

  async function poll() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(url, { cache: "no-store", signal: controller.signal });
      if (!response.ok) throw new Error("status " + response.status);
      render(await response.json());
      pollOk = true;
      connected(true);
    } catch (error) {
      pollOk = false;
      connected(false);
    } finally {
      clearTimeout(timer);
      setTimeout(poll, streamOpen ? POLL_MS : FALLBACK_POLL_MS);
    }
  }

  let failures = 0;

  function follow() {
    const source = new EventSource(streamUrl);
    document.body.dataset.stream = "connecting";
    source.onopen = () => {
      streamOpen = true;
      failures = 0;
      document.body.dataset.stream = "open";
      connected(true);
    };
    source.addEventListener("current", (event) => {
      render(JSON.parse(event.data));
      connected(true);
    });
    // The service is up but cannot reach ballot: keep the screen, say so.
    source.addEventListener("problem", () => connected(false));
    source.onerror = () => {
      // A dropped stream says the service is away; a stream that cannot be
      // opened while the polls still answer (a proxy) is no reason to alarm.
      if (streamOpen || !pollOk) connected(false);
      streamOpen = false;
      document.body.dataset.stream = "down";
      if (source.readyState === EventSource.CLOSED) {
        // Refused (not a network error): the browser stopped retrying; we go on.
        const delay = REOPEN_MS[Math.min(failures, REOPEN_MS.length - 1)];
        failures += 1;
        setTimeout(follow, delay);
      }
    };
  }

  setInterval(tick, 1000);
  follow();
  poll();
})();
