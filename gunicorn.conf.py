"""
The production server (gunicorn), as `make serve` and `make bench` run it.

Every value can be overridden from the environment. Workers are processes (the
Python work is CPU-bound, so one or two per core); each runs a few threads so a
request waiting on the database or a slow client does not hold a whole process.
https://docs.gunicorn.org/en/stable/settings.html
"""

import os

cores = os.cpu_count() or 1

bind = os.environ.get(
    "GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * cores))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Load the app once in the master so workers share its memory, and fail at start
# (one sentence, see config/environment.py) rather than in every worker.
preload_app = True
# Workers are not recycled: a leak would show in `make bench` rather than hide.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Heartbeat files in memory, not on a disk that may be slow or full.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Logs to standard output, like the application's own (config/settings.py LOGGING).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Its control socket (gunicornc) where GUNICORN_CONTROL_SOCKET says (make serve:
# the run folder); none otherwise, as gunicorn's default is one path in $HOME
# that a second server on the machine would take over.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
# What nginx in front lets through (large_client_header_buffers 16k, deploy/nginx.conf):
# a longer cookie or request line gets nginx's answer, never gunicorn's bare 400.
limit_request_line = 0
limit_request_field_size = 16384
# Addresses allowed to set X-Forwarded-* (the proxy in front, if any).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
