"""
Other pages that link to the articles: pingbacks and trackbacks imported from
WordPress, and Webmentions, received and sent.

- ``models``: the mentions (moderated like comments, shown under "Mentioned
  elsewhere"), the Webmentions being verified and those sent;
- ``views`` and ``urls``: the Webmention endpoint (HTTP only);
- ``receiving``: what the endpoint accepts (202), and verifying a source later;
- ``source``: reading a fetched page: does it link to us, what its h-entry says;
- ``sending``: an article published or edited tells the pages it links to;
- ``discovery``: a page's Webmention endpoint, as the W3C spec finds it;
- ``queue``: the outbox's claim, retry and recovery, as for emails;
- ``worker``: the worker's round takes up what a crash left;
- ``conf``: the app's settings and their defaults;
- ``admin``: the mentions' queue, and the Webmentions sent;
- ``templatetags/mentions``: an article's approved mentions, for its page.
"""
