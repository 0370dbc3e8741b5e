/*
 * Comment form enhancements. Everything here is optional: without scripts the
 * Reply links reload the page with the reply chosen, and a comment sent
 * without a stamp gets a confirmation step before it is posted.
 *
 * 1. "Save my name, email, and website in this browser": kept in this
 *    browser's localStorage only, never in a cookie the server could read.
 * 2. Reply links move the form under the comment being answered.
 * 3. The form stamp: the page is the same for every reader, so when the reader
 *    starts writing, a fresh single-use stamp is fetched for this browser.
 * 4. A draft of the comment is kept in localStorage while typing, and given
 *    back if the page is opened again before the comment was posted (the site
 *    was down, the connection dropped); it goes once the comment is posted.
 */
(() => {
  "use strict";

  const form = document.getElementById("commentform");
  if (!form) return;

  for (const element of document.querySelectorAll(".js-only")) {
    element.classList.remove("js-only");
  }

  const storage = {
    read(key) {
      try {
        return JSON.parse(window.localStorage.getItem(key));
      } catch {
        return null; // Storage disabled or unreadable.
      }
    },
    write(key, value) {
      try {
        if (value === null) window.localStorage.removeItem(key);
        else window.localStorage.setItem(key, JSON.stringify(value));
      } catch {
        // Storage may be full or disabled; the comment is sent all the same.
      }
    },
  };

  // 1. Remembering the commenter's details.
  const STORAGE_KEY = "comment-author";
  const remember = form.elements.remember;
  const details = {
    name: form.elements.author_name,
    email: form.elements.author_email,
    url: form.elements.author_url,
  };

  const saved = storage.read(STORAGE_KEY);
  if (saved && typeof saved === "object") {
    for (const [key, input] of Object.entries(details)) {
      if (input && !input.value && typeof saved[key] === "string") input.value = saved[key];
    }
    if (remember) remember.checked = true;
  }

  form.addEventListener("submit", () => {
    if (remember && remember.checked) {
      const values = {};
      for (const [key, input] of Object.entries(details)) values[key] = input ? input.value : "";
      storage.write(STORAGE_KEY, values);
    } else {
      storage.write(STORAGE_KEY, null);
    }
  });

  // 2. Moving the form under the comment being answered.
  const respond = document.getElementById("respond");
  const title = document.getElementById("reply-title");
  const cancelBox = respond.querySelector(".cancel-reply");
  const cancel = document.getElementById("cancel-comment-reply-link");
  const parent = form.elements.parent;
  const home = document.createElement("div");
  home.hidden = true;
  respond.before(home);
  let moved = false;

  const replyTo = (link, focus) => {
    const comment = document.getElementById(`comment-${link.dataset.commentId}`);
    if (!comment || !cancelBox) return false;
    comment.querySelector(".comment-body").after(respond);
    parent.value = link.dataset.commentId;
    title.textContent = `Leave a Reply to ${link.dataset.author}`;
    cancelBox.hidden = false;
    moved = true;
    if (focus) form.elements.body.focus();
    return true;
  };

  document.addEventListener("click", (event) => {
    const link = event.target.closest(".comment-reply-link");
    if (link && replyTo(link, true)) event.preventDefault();
  });

  cancel?.addEventListener("click", (event) => {
    if (!moved) return; // A reply chosen by the server: follow the link.
    event.preventDefault();
    home.after(respond);
    parent.value = "";
    title.textContent = "Leave a Reply";
    cancelBox.hidden = true;
    moved = false;
    form.elements.body.focus();
  });

  // 3. The form stamp, fetched once the reader starts writing.
  const stamp = form.elements.issued;
  const stampUrl = form.dataset.stampUrl;
  let stampRequest = null;

  const fetchStamp = () => {
    if (!stamp || !stampUrl || stamp.value || stampRequest) return stampRequest;
    stampRequest = fetch(stampUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (data && typeof data.issued === "string") stamp.value = data.issued;
      })
      .catch(() => {
        // The site may be down: the draft below keeps the text, and without a
        // stamp the server asks the reader to confirm the comment instead.
      })
      .finally(() => {
        stampRequest = null;
      });
    return stampRequest;
  };

  form.addEventListener("focusin", fetchStamp);
  form.addEventListener("input", fetchStamp);

  let submitting = false;
  form.addEventListener("submit", (event) => {
    // A stamp still on its way: wait for it (briefly) rather than send none.
    if (submitting || !stampRequest) return;
    event.preventDefault();
    submitting = true;
    const wait = new Promise((resolve) => window.setTimeout(resolve, 3000));
    // The form's own submit method: its button is named "submit" and shadows form.submit.
    Promise.race([stampRequest, wait]).then(() => HTMLFormElement.prototype.submit.call(form));
  });

  // A page restored from the back-forward cache holds a stamp already spent.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && stamp && stampUrl) {
      stamp.value = "";
      submitting = false;
    }
  });

  // 4. The draft, kept while typing, given back until the comment is posted.
  const DRAFT_KEY = `comment-draft:${form.action}`;
  const draftFields = ["body", "author_name", "author_url", "author_email", "parent"];
  // Compared without white space: the page shows line breaks as <br>, which have no text.
  const words = (text) => String(text).replace(/\s+/g, "");
  const draft = storage.read(DRAFT_KEY);
  const shown = /^#comment-\d+$/.test(window.location.hash) &&
    document.querySelector(`${window.location.hash} .comment-content`);

  if (draft && typeof draft === "object" && shown && words(shown.textContent) === words(draft.body)) {
    storage.write(DRAFT_KEY, null); // Posted: the page it was sent to shows it.
  } else {
    if (draft && typeof draft === "object" && !form.elements.body.value) {
      for (const name of draftFields) {
        const input = form.elements[name];
        if (input && typeof draft[name] === "string" && !input.value) input.value = draft[name];
      }
      const link = draft.parent &&
        document.querySelector(`.comment-reply-link[data-comment-id="${CSS.escape(draft.parent)}"]`);
      if (link) replyTo(link, false);
      const notice = document.getElementById("draft-restored");
      if (notice) notice.hidden = false;
    }
  }

  const saveDraft = () => {
    const draft = {};
    for (const name of draftFields) {
      const input = form.elements[name];
      // The address stays in the draft only for a reader who asked to be remembered.
      if (name === "author_email" && !(remember && remember.checked)) continue;
      if (input) draft[name] = input.value;
    }
    storage.write(DRAFT_KEY, draft.body ? draft : null);
  };
  let pending = 0;
  form.addEventListener("input", () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(saveDraft, 300);
  });
  form.addEventListener("submit", saveDraft);

  document.getElementById("discard-draft")?.addEventListener("click", () => {
    storage.write(DRAFT_KEY, null);
    for (const name of draftFields) {
      const input = form.elements[name];
      if (input && name !== "parent" && !(name in details && remember?.checked)) input.value = "";
    }
    document.getElementById("draft-restored").hidden = true;
    form.elements.body.focus();
  });
})();
