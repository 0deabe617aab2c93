"""gunicorn's settings for the web processes (gunicorn reads ./gunicorn.conf.py from its working directory).

    .venv/bin/gunicorn -b 127.0.0.1:8000 wsgi:app

Workers and threads come from WEB_WORKERS and WEB_THREADS, defaults chosen by `make load` on the benchmark
machine (docs/PERFORMANCE.md, "Load"): on 2 cores, 4 processes of 4 threads each kept both cores busy with the
fewest context switches; a bigger machine starts with 2 × cores processes. Flags given on the command line win.

After a worker has loaded the app, everything allocated so far (modules, SQLAlchemy's mappers and compiled
statements, templates, translations: some 400,000 objects) is moved out of the cyclic garbage collector's reach
with gc.freeze(): they live as long as the process, and a full collection no longer walks them on a request."""

import gc
import os

workers = int(os.environ.get("WEB_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = (
    180  # a 10,000-row import commits in its request; nginx's proxy_read_timeout is longer (OPERATIONS.md)
)
graceful_timeout = 30
keepalive = 5
# No max_requests: a gthread worker recycled under load closed keep-alive connections with a request on them
# (3 failed requests of 14,507 in `make load`).


# The cyclic collector's thresholds once the app is frozen: a page allocates tens of thousands of objects, and at
# Python's default (700 allocations) the collector ran ~1,250 times in 900 requests of the load mix for 0.95 s of
# CPU; at 10,000 it runs ~50 times for 0.42 s, each young collection a few milliseconds (bench/profile_mix.py with
# the collector timed, docs/PERFORMANCE.md "Round seven").
GC_THRESHOLDS = (10_000, 20, 50)


def post_worker_init(worker) -> None:
    """The app is loaded in this worker: keep what it allocated out of every later collection, and collect the
    rest less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    worker.log.info(
        "gc.freeze(): %d objects kept out of the cyclic collector; thresholds %s",
        gc.get_freeze_count(),
        ",".join(map(str, gc.get_threshold())),
    )
