"""One beat in the whole installation, enforced: a lease in Redis that only the beat sending tasks holds.

Beat (django-celery-beat's DatabaseScheduler) sends the periodic tasks; two of them would send each
task twice. LeasedScheduler, the scheduler of every beat (CELERY_BEAT_SCHEDULER), first takes the lease:
a key in the broker's Redis holding this beat's name, set only if absent and expiring after
BEAT_LEASE_SECONDS. A beat that finds the lease taken waits, as a standby, and takes it over once it is
free: released by a beat that stops, or expired when the host of the beat holding it died. The beat
holding it renews it on every tick (at most a third of the lease apart); a beat that finds its lease
held by another stops at once (it was cut off longer than the lease, and another took over), so at
most one beat sends tasks at any time.

Without Redis (the file-system broker of `make run`) there is no lease: that beat runs inside the one
worker of a single machine.
"""

import logging
import os
import socket
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

    @property
    def _milliseconds(self) -> int:
        return max(1, int(self.seconds * 1000))

    def acquire(self) -> bool:
        """Take the lease if no beat holds it."""
        return bool(self.client.set(self.key, self.token, nx=True, px=self._milliseconds))

    def renew(self) -> bool:
        """Extend the lease if this beat still holds it."""
        return bool(self.client.eval(_RENEW, 1, self.key, self.token, self._milliseconds))

    def release(self) -> bool:
        """Give the lease up, if this beat holds it, so that a standby takes over at once."""
        return bool(self.client.eval(_RELEASE, 1, self.key, self.token))

    def holder(self) -> str | None:
        """Who holds the lease (host:pid:nonce), if anyone."""
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


def lease_for(broker_url: str | None) -> BeatLease | None:
    """The lease in the broker's Redis; None when the broker is not Redis."""
    if not broker_url or not broker_url.startswith(("redis://", "rediss://")):
        return None
    return BeatLease(redis.Redis.from_url(broker_url), seconds=settings.BEAT_LEASE_SECONDS,
                     key=settings.BEAT_LEASE_KEY)


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

    def tick(self, *args, **kwargs):
        if self.lease is not None and not self._hold_lease():
            return self.max_interval  # a standby: nothing sent; it asks again after this long
        return super().tick(*args, **kwargs)

    def _hold_lease(self) -> bool:
        """Whether this beat holds the lease now: renewed when it held it, taken when it is free. A beat
        that held it and finds it held by another stops."""
        try:
            if self.holding:
                # An expired lease that nobody took (e.g. Redis restarted empty) is simply taken again.
                if self.lease.renew() or self.lease.acquire():
                    return True
                logger.error("beat: the beat lease is held by another beat (%s): stopping, so that only "
                             "one beat sends tasks", self.lease.holder())
                raise SystemExit(1)
            if self.lease.acquire():
                self.holding = True
                # The schedule as the beat before this one left it (the tasks it sent, when).
                self._initial_read = True
                logger.info("beat: holds the beat lease (%s, %s s); no other beat sends tasks",
                            self.lease.token, self.lease.seconds)
                return True
        except redis.RedisError as error:
            # Redis out of reach: no task can be sent either; a lease held runs out if this lasts.
            logger.warning("beat: cannot reach the beat lease (%s); trying again at the next tick", error)
            return self.holding
        if not self._said_standby:
            logger.warning("beat: another beat holds the lease (%s); this one waits as a standby and "
                           "takes over when it is free", self.lease.holder())
            self._said_standby = True
        return False

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
