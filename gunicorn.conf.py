"""Gunicorn's settings for the web processes, every value from the environment (docs/deployment.md)."""

import os

wsgi_app = "casemgmt.wsgi:application"

# Where to listen: HOST:PORT, or unix:/path/to/socket behind a proxy on the same host.
bind = [os.environ.get("BIND", "127.0.0.1:8000")]
# Processes per host: about 2 per CPU (the requests wait on PostgreSQL more than they compute).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
# A request that takes longer is killed; the exports and reports finish well within it.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# On SIGTERM, requests under way get this long to finish before the workers are stopped.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "10"))
keepalive = 5
# Each worker is replaced after about this many requests, so a slow leak never grows without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10

# The addresses of the proxies (load balancers) whose X-Forwarded-Proto is believed; gunicorn reads
# FORWARDED_ALLOW_IPS itself. With PROXY_PROTOCOL=v1|v2|auto the load balancer passes the client's
# address in the PROXY protocol and gunicorn sets REMOTE_ADDR to it: the sign-in lockout (django-axes)
# counts by that address and must never see the balancer's address for every client.
proxy_protocol = os.environ.get("PROXY_PROTOCOL", "off")
proxy_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs on stdout and stderr: ops/prod writes them to var/prod/, systemd to the journal.
accesslog = "-"
# The path without its query string and no referrer: a search for a person's name stays out of the log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Gunicorn's runtime control socket (gunicornc) is off unless given a path: its default path is one
# per user, which two stacks on one machine would fight over.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
