/*
 * Old links to a comment on a long discussion: "/articles/<slug>/#comment-123"
 * (the site's links before discussions were paged, and a WordPress site's,
 * carried over by its redirects) name an anchor that may now be on another
 * page. When the page has no such anchor, go to the comment's permalink,
 * which redirects to the page that shows it. Without scripts the link still
 * opens the article.
 */
(() => {
  "use strict";

  const section = document.getElementById("comments");
  const match = /^#comment-(\d{1,18})$/.exec(window.location.hash);
  if (!section || !match || document.getElementById(`comment-${match[1]}`)) return;
  const address = new URL(section.dataset.permalink.replace("ID", match[1]), window.location.href);
  address.searchParams.set("article", section.dataset.article);
  window.location.replace(address);
})();
