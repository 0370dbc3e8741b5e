/*
 * Comment form enhancements. Everything here is optional: without scripts the
 * Reply links reload the page with the reply chosen, and the form still posts.
 *
 * 1. "Save my name, email, and website in this browser": kept in this
 *    browser's localStorage only, never in a cookie the server could read.
 * 2. Reply links move the form under the comment being answered.
 */
(() => {
  "use strict";

  const form = document.getElementById("commentform");
  if (!form) return;

  for (const element of document.querySelectorAll(".js-only")) {
    element.classList.remove("js-only");
  }

  // 1. Remembering the commenter's details.
  const STORAGE_KEY = "comment-author";
  const remember = form.elements.remember;
  const details = {
    name: form.elements.author_name,
    email: form.elements.author_email,
    url: form.elements.author_url,
  };

  let saved = null;
  try {
    saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY));
  } catch {
    saved = null; // Storage disabled or unreadable: nothing to fill in.
  }
  if (saved && typeof saved === "object") {
    for (const [key, input] of Object.entries(details)) {
      if (input && !input.value && typeof saved[key] === "string") input.value = saved[key];
    }
    if (remember) remember.checked = true;
  }

  form.addEventListener("submit", () => {
    try {
      if (remember && remember.checked) {
        const values = {};
        for (const [key, input] of Object.entries(details)) values[key] = input ? input.value : "";
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(values));
      } else {
        window.localStorage.removeItem(STORAGE_KEY);
      }
    } catch {
      // Storage may be full or disabled; the comment is sent all the same.
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

  document.addEventListener("click", (event) => {
    const link = event.target.closest(".comment-reply-link");
    if (!link) return;
    const comment = document.getElementById(`comment-${link.dataset.commentId}`);
    if (!comment) return;
    event.preventDefault();
    comment.querySelector(".comment-body").after(respond);
    parent.value = link.dataset.commentId;
    title.textContent = `Leave a Reply to ${link.dataset.author}`;
    cancelBox.hidden = false;
    moved = true;
    form.elements.body.focus();
  });

  cancel.addEventListener("click", (event) => {
    if (!moved) return; // A reply chosen by the server: follow the link.
    event.preventDefault();
    home.after(respond);
    parent.value = "";
    title.textContent = "Leave a Reply";
    cancelBox.hidden = true;
    moved = false;
    form.elements.body.focus();
  });
})();
