// The chair's control view: open, close and annul votes through the results
// service (which forwards to ballot as this chair), switch the running tally
// on the screen, and see who has not voted yet. The chair is logged in (the
// page needs it): the browser sends the session cookie, every change carries
// the page's CSRF token.
"use strict";

(function () {
  const POLL_MS = 1000;
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  // The Dutch words are defined once, in Python (services/common/labels.py).
  const LABELS = JSON.parse(document.getElementById("labels").textContent);
  const KINDS = LABELS.vote_kinds;
  const STATUS = LABELS.vote_statuses;

  const meeting = document.body.dataset.meeting;
  const m = encodeURIComponent(meeting);
  const $ = (id) => document.getElementById(id);
  let loggedOut = false;
  let annulling = null; // id of the vote whose annulment form is open
  let busy = false;

  function message(text, isError) {
    $("message").textContent = text || "";
    $("message").dataset.kind = isError ? "error" : "info";
  }

  function sessionEnded() {
    // Logged out elsewhere, expired, or ended by the secretariat: log in again.
    loggedOut = true;
    window.location.reload();
  }

  async function api(method, path, body) {
    const headers = { "X-CSRF-Token": CSRF };
    const init = { method: method, headers: headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (response.status === 401) {
      sessionEnded();
      throw new Error("niet ingelogd");
    }
    if (!response.ok) throw new Error((data && data.detail) || "fout " + response.status);
    return data;
  }

  async function act(vote, action, body) {
    if (busy) return;
    busy = true;
    try {
      await api("POST", "/api/chair/votes/" + vote.id + "/" + action, body);
      const done = {
        open: "geopend",
        close: "gesloten",
        annul: "nietig verklaard",
        acclaim: body && body.adopted ? "bij acclamatie aangenomen" : "bij acclamatie verworpen",
      }[action];
      message("Stemming " + vote.position + " (" + vote.title + ") is " + done + ".");
      annulling = null;
    } catch (error) {
      message(error.message, true);
    } finally {
      busy = false;
      refresh();
    }
  }

  function button(label, cls, testid, onClick, disabled) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.className = cls;
    b.dataset.testid = testid;
    b.disabled = Boolean(disabled);
    b.addEventListener("click", onClick);
    return b;
  }

  function annulForm(vote) {
    const form = document.createElement("form");
    form.className = "annul-form";
    const input = document.createElement("input");
    input.type = "text";
    input.placeholder = "reden (verplicht)";
    input.minLength = 3;
    input.required = true;
    input.dataset.testid = "annul-reason";
    const ok = button("Nietig verklaren", "annul", "annul-confirm", () => {});
    ok.type = "submit";
    const cancel = button("Annuleren", "", "annul-cancel", () => { annulling = null; refresh(); });
    form.append(input, ok, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(vote, "annul", { reason: input.value.trim() });
    });
    setTimeout(() => input.focus(), 0);
    return form;
  }

  // Only a voor/tegen item can be decided without a vote.
  function acclaimable(vote) {
    const roles = vote.options.map((o) => o.role);
    return vote.kind !== "proefstemming" && roles.includes("for") && roles.includes("against");
  }

  function row(vote, anyOpen) {
    const tr = document.createElement("tr");
    tr.dataset.status = vote.status;
    tr.dataset.testid = "vote-" + vote.id;
    const cells = [String(vote.position), KINDS[vote.kind] || vote.kind, vote.title];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    const status = document.createElement("td");
    status.className = "status-" + vote.status;
    status.dataset.testid = "status-" + vote.id;
    status.textContent = STATUS[vote.status] || vote.status;
    if (vote.annulled_reason) status.title = vote.annulled_reason;
    if (vote.decided_by === "acclamation") {
      status.textContent = "bij acclamatie " + (vote.acclamation_adopted ? "aangenomen" : "verworpen");
    }
    tr.appendChild(status);
    const actions = document.createElement("td");
    if (vote.status === "prepared") {
      actions.appendChild(button("Openen", "open", "open-" + vote.id, () => act(vote, "open"), anyOpen));
      if (acclaimable(vote)) {
        for (const adopted of [true, false]) {
          const verdict = adopted ? "aangenomen" : "verworpen";
          actions.appendChild(button(
            "Bij acclamatie " + verdict, "acclaim", "acclaim-" + verdict + "-" + vote.id,
            () => {
              // Only when nobody in the room asks for a vote: say it out loud first.
              if (window.confirm("Niemand vraagt om stemming: '" + vote.title + "' bij acclamatie " + verdict + "?")) {
                act(vote, "acclaim", { adopted });
              }
            },
            anyOpen,
          ));
        }
      }
    } else if (vote.status === "open") {
      actions.appendChild(button("Sluiten", "close", "close-" + vote.id, () => act(vote, "close")));
    } else if (vote.status === "closed") {
      if (annulling === vote.id) {
        actions.appendChild(annulForm(vote));
      } else {
        actions.appendChild(button("Nietig verklaren…", "annul", "annul-" + vote.id, () => {
          annulling = vote.id;
          actions.replaceChildren(annulForm(vote));
        }));
      }
    }
    tr.appendChild(actions);
    return tr;
  }

  async function renderNotVoted(openVote) {
    const section = $("not-voted");
    if (!openVote || openVote.kind === "proefstemming") {
      section.hidden = true;
      return;
    }
    const missing = await api("GET", "/api/chair/votes/" + openVote.id + "/not-voted");
    $("not-voted-count").textContent = missing.length + (missing.length === 1 ? " gemeente" : " gemeenten");
    $("not-voted-list").replaceChildren(...missing.map((e) => {
      const li = document.createElement("li");
      li.textContent = e.name + " (" + e.weight + ")";
      return li;
    }));
    section.hidden = false;
  }

  async function refresh() {
    if (loggedOut) return;
    try {
      const votes = await api("GET", "/api/chair/meetings/" + m + "/votes");
      const openVote = votes.find((v) => v.status === "open") || null;
      // Keep the table still while the chair types a reason for an annulment.
      const typing = votes.some((v) => v.id === annulling && v.status === "closed");
      if (!typing) {
        annulling = null;
        $("vote-rows").replaceChildren(...votes.map((v) => row(v, openVote !== null)));
      }
      await renderNotVoted(openVote);
    } catch (error) {
      if (!loggedOut) message(error.message, true);
    }
  }

  async function loadScreen() {
    const response = await fetch("/api/meetings/" + m + "/screen", { cache: "no-store" });
    if (response.ok) $("show-tally").checked = (await response.json()).show_tally;
  }

  $("show-tally").addEventListener("change", async (event) => {
    const on = event.target.checked;
    try {
      await api("PUT", "/api/chair/meetings/" + m + "/screen", { show_tally: on });
      message(on ? "De tussenstand staat aan op het scherm in de zaal." : "De tussenstand is verborgen.");
    } catch (error) {
      event.target.checked = !on;
      message(error.message, true);
    }
  });

  loadScreen();
  refresh();
  setInterval(() => { if (!loggedOut && !busy) refresh(); }, POLL_MS);
})();
