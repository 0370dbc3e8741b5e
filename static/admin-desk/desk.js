/*
 * The moderation desk, with a script. Everything here is optional: without
 * it each button posts its form and the page comes back with a message and
 * an Undo button.
 *
 * 1. Decisions and replies act in place: the same POST, sent with fetch and
 *    answered in JSON; the row shrinks to what happened, with Undo.
 * 2. Keys, WordPress's where it has one: j/k next and previous comment,
 *    a approve, s spam, d or t remove, u unapprove, n not spam, r reply
 *    (Ctrl+Enter or Cmd+Enter publishes it), e or Enter open the comment to
 *    edit it, o unfold a long comment, shift+x select every comment,
 *    shift+a/s/d/t/u the selected ones, z undo, ? the list of keys.
 *    Nothing fires while typing. Each decision's button names its keys
 *    (aria-keyshortcuts). What happens is announced in the aria-live
 *    region #desk-live.
 *
 * Rows are acted on in place only in lists (the queue and the front page):
 * on a comment's own page the change form would then hold a stale status,
 * so its buttons (and a, s, d there) post and reload.
 */
(() => {
  "use strict";

  // 0. An address typed into the search box goes to "Find a commenter by email"
  //    instead: a GET would put it in the page's address, and servers log those.
  const search = document.getElementById("changelist-search");
  const findForm = document.getElementById("desk-find-commenter");
  search?.addEventListener("submit", (event) => {
    const term = search.elements.q?.value ?? "";
    if (!findForm || !term.includes("@")) return;
    event.preventDefault();
    findForm.elements.email.value = term.trim();
    search.elements.q.value = "";
    findForm.requestSubmit();
  });

  const decideForm = document.getElementById("desk-decide");
  const live = document.getElementById("desk-live");
  if (!decideForm || !live) return; // Not a page of the desk, or not a moderator.

  const csrfToken = decideForm.elements.csrfmiddlewaretoken.value;
  const help = document.getElementById("desk-keys");
  const ROW = "tr, .desk-card";
  const DECIDE = "button[form='desk-decide'][formaction]";
  const undoStack = []; // {url, row}: the decisions made on this page, last on top.
  let current = null; // The row chosen with j/k (or by focusing inside it).

  for (const hint of document.querySelectorAll(".desk-hint")) hint.hidden = false;

  const rows = () =>
    Array.from(document.querySelectorAll(".desk-comment"))
      .map((comment) => comment.closest(ROW))
      .filter(Boolean);
  for (const row of rows()) {
    row.tabIndex = -1;
    row.classList.add("desk-row");
  }

  const commentOf = (row) => row.querySelector(".desk-comment");
  const describe = (row) => {
    const list = rows();
    const comment = commentOf(row);
    const status = row.classList.contains("desk-decided")
      ? "decided"
      : comment.querySelector(".desk-status").textContent.trim().toLowerCase();
    return `Comment ${list.indexOf(row) + 1} of ${list.length}, by ${comment.dataset.author}, ${status}.`;
  };

  function announce(text) {
    // Emptied first, so the same sentence twice is announced twice.
    live.textContent = "";
    window.setTimeout(() => {
      live.textContent = text;
    }, 30);
  }

  function choose(row, said = "") {
    current = row;
    row.focus();
    announce(`${said} ${describe(row)}`.trim());
  }

  function move(step) {
    const list = rows();
    if (!list.length) return;
    const index = current ? list.indexOf(current) : -1;
    const next = index < 0 ? list[step > 0 ? 0 : list.length - 1] : list[index + step];
    if (next) choose(next);
    else announce(step > 0 ? "This is the last comment." : "This is the first comment.");
  }

  async function send(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
        body,
        credentials: "same-origin",
      });
    } catch {
      return { ok: false, data: { messages: ["The desk could not reach the server; nothing was changed. Try again."] } };
    }
    try {
      const data = await response.json();
      return { ok: response.ok && data.ok, data };
    } catch {
      // Not the desk's answer: the login page (the session ended), or an error page.
      const why = response.redirected
        ? "You are signed out; sign in again (reload the page), then decide again."
        : `The server answered with an error (${response.status}). Reload the page to see where things stand.`;
      return { ok: false, data: { messages: [why] } };
    }
  }

  function updateCounts(counts) {
    if (!counts) return;
    const all = Object.values(counts).reduce((sum, count) => sum + count, 0);
    for (const tab of document.querySelectorAll(".desk-tabs a[data-status]")) {
      const count = tab.dataset.status === "all" ? all : counts[tab.dataset.status];
      if (count !== undefined) tab.textContent = `${tab.dataset.label} (${count})`;
    }
  }

  function notice(row, text, { error = false, undoUrl = null } = {}) {
    const comment = commentOf(row);
    comment.querySelector(".desk-notice")?.remove();
    const box = document.createElement("p");
    box.className = error ? "desk-notice desk-notice-error" : "desk-notice";
    const words = document.createElement("span");
    words.textContent = text;
    box.append(words);
    if (undoUrl) {
      const undo = document.createElement("button");
      undo.type = "button";
      undo.className = "desk-undo";
      undo.textContent = "Undo";
      undo.addEventListener("click", () => undoDecision(undoUrl, row));
      box.append(undo);
    }
    comment.prepend(box);
    return box;
  }

  // A row refused as stale shows the comment as it is now: its status, why it
  // is held, its text and the buttons that fit (comments/desk/views.py row_now).
  // Built with the DOM from plain data: no markup is parsed from a string.
  function paragraphs(body) {
    return body.split(/\n{2,}/).map((part) => {
      const paragraph = document.createElement("p");
      part.split("\n").forEach((line, index) => {
        if (index) paragraph.append(document.createElement("br"));
        paragraph.append(line);
      });
      return paragraph;
    });
  }

  function refresh(row, now) {
    const comment = commentOf(row);
    const author = comment.dataset.author;
    comment.dataset.status = now.status;
    const status = comment.querySelector(".desk-status");
    status.textContent = now.label;
    status.className = `desk-status desk-status-${now.status}`;
    let held = comment.querySelector(".desk-held");
    if (now.held_reason && !held) {
      held = document.createElement("span");
      held.className = "desk-held";
      status.after(" ", held);
    }
    if (held && !now.held_reason) held.remove();
    else if (held) {
      const label = document.createElement("span");
      label.className = "desk-label";
      label.textContent = "Why held:";
      held.replaceChildren(label, ` ${now.held_reason}`);
    }
    comment.querySelector(".desk-text")?.replaceChildren(...paragraphs(now.body));
    const actions = comment.querySelector(".desk-actions");
    for (const old of actions.querySelectorAll(DECIDE)) old.remove();
    const first = actions.firstChild;
    for (const decision of now.decisions) {
      const button = document.createElement("button");
      button.type = "submit";
      button.className = `desk-button desk-to-${decision.status}`;
      button.setAttribute("form", "desk-decide");
      button.setAttribute("formaction", decision.url);
      button.name = "seen";
      button.value = now.status;
      button.dataset.status = decision.status;
      if (decision.key) button.setAttribute("aria-keyshortcuts", decision.key);
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = `: comment by ${author}`;
      button.append(decision.label, hidden);
      actions.insertBefore(button, first);
    }
    // What a bulk action and a reply carry: the status and text the moderator now sees.
    const id = comment.dataset.commentId;
    const digest = document.querySelector(`input[name='text-${id}']`);
    if (digest) digest.value = now.text;
    const replyForm = document.getElementById(`desk-reply-${id}`);
    if (replyForm) {
      replyForm.elements.seen.value = now.status;
      replyForm.elements.text.value = now.text;
    }
    const reply = comment.querySelector(".desk-reply");
    if (reply) {
      reply.hidden = !now.can_reply;
      const summary = reply.querySelector("summary");
      summary.firstChild.textContent = now.reply_label;
    }
  }

  // 1. Deciding in place.
  async function decide(button) {
    const row = button.closest(ROW);
    if (!row || row.dataset.busy) return;
    row.dataset.busy = "true";
    const body = new FormData();
    body.append("seen", button.value);
    body.append("next", decideForm.elements.next.value);
    const { ok, data } = await send(button.formAction, body);
    delete row.dataset.busy;
    const said = data.messages.join(" ");
    if (!ok) {
      if (data.now) refresh(row, data.now);
      notice(row, said, { error: true });
      announce(data.now ? `${said} ${describe(row)}` : said);
      return;
    }
    row.classList.add("desk-decided");
    notice(row, said, { undoUrl: data.undo });
    if (data.undo) undoStack.push({ url: data.undo, row });
    updateCounts(data.counts);
    // On to the next comment, so a queue is cleared one key or click at a time.
    const list = rows();
    const next = list.slice(list.indexOf(row) + 1).find((r) => !r.classList.contains("desk-decided"));
    const undoHint = data.undo ? " Press z to undo." : "";
    if (next && (current === row || row.contains(document.activeElement))) {
      choose(next, `${said}${undoHint}`);
    } else {
      if (!next && current === row) row.focus();
      announce(`${said}${undoHint}`);
    }
  }

  async function undoDecision(url, row) {
    const { ok, data } = await send(url, new FormData());
    const said = data.messages.join(" ");
    const index = undoStack.findIndex((entry) => entry.url === url);
    if (index >= 0) undoStack.splice(index, 1);
    if (ok && row) {
      row.classList.remove("desk-decided");
      commentOf(row).querySelector(".desk-notice")?.remove();
      choose(row, said);
    } else {
      if (row) notice(row, said, { error: !ok });
      announce(said);
    }
    updateCounts(data.counts);
  }

  document.addEventListener("click", (event) => {
    const opener = event.target.closest(".desk-keys-open");
    if (opener && help) {
      help.showModal();
      return;
    }
    const button = event.target.closest(DECIDE);
    if (!button || !button.closest(ROW)) return; // A comment's own page posts and reloads.
    event.preventDefault();
    decide(button);
  });

  // Replies in place: the row's reply form is posted with fetch.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.classList.contains("desk-reply-form")) return;
    const textarea = document.querySelector(`textarea[form='${form.id}']`);
    const row = textarea?.closest(ROW);
    if (!row) return;
    event.preventDefault();
    const { ok, data } = await send(form.action, new FormData(form));
    const error = row.querySelector(".desk-reply .desk-error");
    error?.remove();
    if (!ok) {
      const said = data.messages.join(" ");
      const message = document.createElement("p");
      message.className = "desk-error";
      message.id = `${textarea.id}-error`;
      message.textContent = said;
      textarea.before(message);
      textarea.setAttribute("aria-invalid", "true");
      textarea.setAttribute("aria-describedby", `${message.id} ${textarea.getAttribute("aria-describedby") || ""}`.trim());
      textarea.focus();
      announce(said);
      return;
    }
    const said = [data.reply.message, ...data.messages].join(" ");
    row.classList.add("desk-decided");
    const box = notice(row, said, { undoUrl: data.undo });
    const link = document.createElement("a");
    link.href = data.reply.url;
    link.textContent = "See it on the article";
    box.append(link);
    if (data.undo) undoStack.push({ url: data.undo, row });
    updateCounts(data.counts);
    choose(row, said);
  });

  // Typing a reply is not editing the list: keep Django's action script from
  // warning about "unsaved changes" when a bulk action runs next.
  for (const textarea of document.querySelectorAll(".desk-reply textarea")) {
    textarea.addEventListener("change", (event) => event.stopPropagation());
  }

  // 2. Keys.
  document.addEventListener("focusin", (event) => {
    const row = event.target.closest?.(".desk-row");
    if (row) current = row;
  });

  const DECISION_KEYS = new Set(["a", "s", "d", "t", "u", "n"]);
  // Shift and a decision's key: Django's bulk action of that name, on the selected rows.
  const BULK_ACTIONS = { A: "approve", S: "mark_as_spam", D: "remove", T: "remove", U: "back_to_pending" };
  // A comment's own page: the keys press its buttons, which post and reload.
  const panel = document.querySelector(".desk-panel .desk-comment");
  const decideButton = (scope, key) => scope.querySelector(`${DECIDE}[aria-keyshortcuts~='${key}']`);

  function openReply(comment) {
    const reply = comment?.querySelector(".desk-reply");
    if (!reply) {
      announce("This comment cannot be answered: readers cannot see it. Approve it first.");
      return;
    }
    reply.open = true;
    reply.querySelector("textarea").focus();
  }

  function unfold(comment) {
    const more = comment.querySelector(".desk-more");
    if (!more) {
      announce("This comment is shown whole already.");
      return;
    }
    more.open = !more.open;
    announce(more.open ? "The whole comment is shown." : "The comment is folded again.");
  }

  function selectAll() {
    const toggle = document.getElementById("action-toggle");
    if (!toggle) return;
    toggle.click(); // Django's own script ticks every row and counts them.
    const ticked = document.querySelectorAll("input.action-select:checked").length;
    announce(ticked ? `${ticked} comments selected. Press shift and a, s, d or u to decide on them.` : "No comment is selected.");
  }

  function bulk(action) {
    const select = document.querySelector("#changelist-form select[name=action]");
    const run = document.querySelector("#changelist-form button[name=index]");
    if (!select || !run || !select.querySelector(`option[value='${action}']`)) return;
    if (!document.querySelector("input.action-select:checked")) {
      announce("Select comments first: x ticks the chosen one's box, shift and x every one.");
      return;
    }
    select.value = action;
    run.click();
  }

  // Ctrl+Enter (Cmd+Enter on a Mac) in a reply publishes it, as in WordPress's reply box.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const textarea = event.target.closest?.("textarea[form]");
    const form = textarea && document.getElementById(textarea.getAttribute("form"));
    if (!form?.classList.contains("desk-reply-form")) return;
    event.preventDefault();
    form.requestSubmit();
  });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])")) return;
    if (help?.open) return; // The dialog has its own keys (Escape closes it).
    const key = event.key;
    const chosen = current ? commentOf(current) : panel;
    if (key === "?") {
      event.preventDefault();
      help?.showModal();
    } else if (key === "j" || key === "k") {
      event.preventDefault();
      move(key === "j" ? 1 : -1);
    } else if (key === "X") {
      event.preventDefault();
      selectAll();
    } else if (key === "x" && current) {
      event.preventDefault();
      current.querySelector("input.action-select")?.click();
    } else if (BULK_ACTIONS[key]) {
      event.preventDefault();
      bulk(BULK_ACTIONS[key]);
    } else if (DECISION_KEYS.has(key)) {
      event.preventDefault();
      if (!current && panel) {
        decideButton(panel, key)?.click();
        return;
      }
      if (!current) {
        announce("Press j to choose a comment first.");
        return;
      }
      const button = decideButton(current, key);
      if (!button || current.classList.contains("desk-decided")) {
        announce(`That cannot be done to this comment now. ${describe(current)}`);
        return;
      }
      decide(button);
    } else if (key === "r" || key === "o") {
      event.preventDefault();
      if (!chosen) announce("Press j to choose a comment first.");
      else if (key === "r") openReply(chosen);
      else unfold(chosen);
    } else if (key === "z") {
      event.preventDefault();
      const last = undoStack.at(-1);
      // A decision from before the page loaded (a bulk action) has its Undo in the messages.
      const earlier = document.querySelector(".messagelist .desk-undo-form");
      if (last) undoDecision(last.url, last.row);
      else if (earlier) earlier.requestSubmit();
      else announce("There is nothing to undo on this page.");
    } else if ((key === "e" && current) || (key === "Enter" && target === current)) {
      event.preventDefault();
      window.location.assign(commentOf(current).dataset.open);
    }
  });
})();
