"""
Small helpers that no app owns, as healthchecks keeps its ``hc/lib``.

Each module stands alone and imports nothing of the project's apps
(import-linter holds it to that): ``text`` (ids typed into URLs, URLs from
outside, control characters), ``client`` (the reader's IP address behind
trusted proxies), ``worker`` (the worker's round, which each app's outbox
listens to).
"""
