"""One beat in the whole installation, enforced: a lease in Redis that only the beat sending tasks holds.

Beat (django-celery-beat's DatabaseScheduler) sends the periodic tasks; two of them would send each
task twice. LeasedScheduler, the scheduler of every beat (CELERY_BEAT_SCHEDULER), first takes the lease:
a key in the broker's Redis holding this beat's name, set only if absent and expiring after
BEAT_LEASE_SECONDS. A beat that finds the lease taken waits, as a standby, and takes it over once it is
free: released by a beat that stops, or expired when the host of the beat holding it died. The beat
holding it renews it on every tick (at most a third of the lease apart) and sends a task only while its
lease, as last confirmed, has not run out; a beat that finds its lease held by another stops at once
(it was cut off longer than the lease, and another took over). Each task sent is written to the
schedule after the tick that sent it, so a beat taking over knows what the one before it sent.

Without Redis (the file-system broker of `make run`) there is no lease: that beat runs inside the one
worker of a single machine.
"""

import logging
import os
import socket
import time
import uuid

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

# Extend or delete the key only while it still holds our token: never another beat's lease.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class BeatLease:
    """The lease on being the installation's beat, in Redis under `key`."""

    def __init__(self, client: redis.Redis, *, seconds: float, key: str) -> None:
        self.client = client
        self.seconds = seconds
        self.key = key
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # Until when (time.monotonic) this beat surely holds the lease: as of the start of the last
        # call that took or renewed it.
        self.valid_until = 0.0

    def held(self) -> bool:
        """Whether the lease, as last taken or renewed, has not run out yet."""
        return time.monotonic() < self.valid_until

    @property
    def _milliseconds(self) -> int:
        return max(1, int(self.seconds * 1000))

    def acquire(self) -> bool:
        """Take the lease if no beat holds it."""
        return self._confirmed(time.monotonic(),
                               self.client.set(self.key, self.token, nx=True, px=self._milliseconds))

    def renew(self) -> bool:
        """Extend the lease if this beat still holds it."""
        return self._confirmed(time.monotonic(),
                               self.client.eval(_RENEW, 1, self.key, self.token, self._milliseconds))

    def _confirmed(self, asked_at: float, answer) -> bool:
        if answer:
            self.valid_until = asked_at + self.seconds
        return bool(answer)

    def release(self) -> bool:
        """Give the lease up, if this beat holds it, so that a standby takes over at once."""
        self.valid_until = 0.0
        return bool(self.client.eval(_RELEASE, 1, self.key, self.token))

    def holder(self) -> str | None:
        """Who holds the lease (host:pid:nonce), if anyone."""
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


def lease_for(broker_url: str | None) -> BeatLease | None:
    """The lease in the broker's Redis; None when the broker is not Redis."""
    if not broker_url or not broker_url.startswith(("redis://", "rediss://")):
        if broker_url and not broker_url.startswith(("filesystem://", "memory://")):
            logger.warning("beat: no beat lease on the broker %s: run exactly one beat",
                           broker_url.split("://")[0])
        return None
    seconds = settings.BEAT_LEASE_SECONDS
    # A Redis that does not answer must not hold up a tick for longer than a fraction of the lease.
    timeout = max(0.5, seconds / 6)
    client = redis.Redis.from_url(broker_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return BeatLease(client, seconds=seconds, key=settings.BEAT_LEASE_KEY)


class LeasedScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, sending tasks only while this beat holds the lease (see the module).
    A standby ticks too, sending nothing, and asks for the lease at each tick."""

    def __init__(self, *args, **kwargs) -> None:
        app = kwargs.get("app") or args[0]
        # A lazy scheduler only describes itself (the banner beat prints): it never sends anything.
        self.lease = None if kwargs.get("lazy") else lease_for(app.conf.broker_url)
        self.holding = False
        self._said_standby = False
        super().__init__(*args, **kwargs)
        if self.lease is not None:
            # Ticks close enough together that the lease is renewed well before it runs out.
            self.max_interval = min(self.max_interval, self.lease.seconds / 3)
            # Each task sent is written to the schedule after its tick (django-celery-beat waits 3 minutes).
            self.sync_every_tasks = 1

    def tick(self, *args, **kwargs):
        if self.lease is not None and not self._hold_lease():
            return self.max_interval  # a standby: nothing sent; it asks again after this long
        return super().tick(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        # The lease is checked at the tick; a tick held up (a slow database, a broker reconnecting) for
        # longer than the lease must not send after a standby took over.
        if self.lease is not None and not self.lease.held():
            logger.warning("beat: not sending %s: the beat lease ran out during the tick", entry.name)
            return
        super().apply_entry(entry, producer=producer)

    def _take_over(self) -> None:
        """Start sending as the one beat: from the schedule as the beat before this one left it."""
        self.holding = True
        self._initial_read = True
        self._heap = None
        self._dirty.clear()
        logger.info("beat: holds the beat lease (%s, %s s); no other beat sends tasks",
                    self.lease.token, self.lease.seconds)

    def _hold_lease(self) -> bool:
        """Whether this beat holds the lease now: renewed when it held it, taken when it is free. A beat
        that held it and finds it held by another stops."""
        try:
            if self.holding:
                if self.lease.renew():
                    return True
                if self.lease.acquire():
                    # It ran out and nobody took it (e.g. Redis restarted empty), or another beat held
                    # it meanwhile and let it go: start again from the schedule as it is now.
                    self._take_over()
                    return True
                logger.error("beat: the beat lease is held by another beat (%s): stopping, so that only "
                             "one beat sends tasks", self.lease.holder())
                raise SystemExit(1)
            if self.lease.acquire():
                self._take_over()
                return True
            if not self._said_standby:
                logger.warning("beat: another beat holds the lease (%s); this one waits as a standby and "
                               "takes over when it is free", self.lease.holder())
                self._said_standby = True
            return False
        except redis.RedisError as error:
            # Redis out of reach: a lease held goes on only as long as it surely lasts; after that this
            # beat sends nothing until it has taken the lease again.
            logger.warning("beat: cannot reach the beat lease (%s); trying again at the next tick", error)
            if self.holding and not self.lease.held():
                self.holding = False
            return self.holding

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.lease is not None and self.holding:
                try:
                    self.lease.release()
                except redis.RedisError as error:
                    logger.warning("beat: could not release the beat lease (%s); it expires in %s s",
                                   error, self.lease.seconds)
