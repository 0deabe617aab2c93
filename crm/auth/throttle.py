"""Login throttling that slows guessing without letting anyone lock a user out (docs/OPERATIONS.md, "Logins").

Failed attempts are counted in buckets. Past a bucket's free failures, each further attempt in it must wait a
delay that doubles with every failure (LOGIN_DELAY_SECONDS, 2×, 4× … up to LOGIN_MAX_DELAY_SECONDS) after the
bucket's last failure; an attempt made sooner is refused without the password being checked, and does not count.
Which buckets an attempt falls in depends on where it comes from:

- a browser with this user name's known-device cookie (set at a successful login): that device's own failures
  only, so an attacker anywhere else cannot slow the user down there;
- an address the user name signed in from within LOGIN_KNOWN_DAYS: the failures of that name from that address;
- anywhere else: that name from that address, plus that name from all unknown places (a botnet spreading its
  guesses), plus that address for all names (one address trying many names).

A success empties the device's and the name-and-address bucket (not the shared ones, or an attacker with an
account of their own could empty the address bucket). A manager can clear a name's or an address's failures."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from crm.auth.models import LoginAttempt, LoginThrottleReset
from crm.extensions import db


@dataclass(frozen=True)
class Seen:
    """A counted attempt (throttled ones never count) as the buckets read it."""

    at: datetime
    username: str
    ip: str | None
    device: str | None
    succeeded: bool


@dataclass(frozen=True)
class Bucket:
    kind: str  # device | pair | user | address
    username: str | None
    ip: str | None
    device: str | None
    free: int
    resets_on_success: bool

    def holds(self, seen: Seen) -> bool:
        if self.kind == "device":
            return seen.username == self.username and seen.device == self.device
        if seen.device is not None:  # a known device's attempts count only in its own bucket
            return False
        if self.kind == "pair":
            return seen.username == self.username and seen.ip == self.ip
        if self.kind == "user":
            return seen.username == self.username
        return seen.ip == self.ip

    def cleared_by(self, reset: LoginThrottleReset) -> bool:
        by_name = self.kind != "address" and reset.username is not None and reset.username == self.username
        by_address = self.kind in ("pair", "address") and reset.ip is not None and reset.ip == self.ip
        return by_name or by_address


def _config(key: str) -> int:
    return int(current_app.config[key])


def buckets_for(username: str, ip: str | None, device: str | None, known_address: bool) -> list[Bucket]:
    """The buckets an attempt falls in (see the module's docstring)."""
    free = _config("LOGIN_MAX_FAILURES")
    if device is not None:
        return [Bucket("device", username, None, device, free, True)]
    found = [Bucket("pair", username, ip, None, free, True)]
    if not known_address:
        found.append(Bucket("user", username, None, None, _config("LOGIN_MAX_FAILURES_PER_USER"), False))
        if ip:
            found.append(Bucket("address", None, ip, None, _config("LOGIN_MAX_FAILURES_PER_IP"), False))
    return found


def delay_after(failures: int, free: int) -> timedelta:
    """How long the attempt after `failures` counted failures must wait behind the last one."""
    if failures < free:
        return timedelta(0)
    base, cap = _config("LOGIN_DELAY_SECONDS"), _config("LOGIN_MAX_DELAY_SECONDS")
    return timedelta(seconds=min(base * 2 ** min(failures - free, 30), cap))


@dataclass(frozen=True)
class State:
    failures: int
    last_failure: datetime | None
    wait: timedelta  # from now; zero when an attempt may be made


def bucket_state(
    bucket: Bucket, seen: Iterable[Seen], resets: Iterable[LoginThrottleReset], now: datetime
) -> State:
    since = now - timedelta(minutes=_config("LOGIN_WINDOW_MINUTES"))
    mine = [s for s in seen if bucket.holds(s) and s.at <= now]
    for reset in resets:
        if bucket.cleared_by(reset):
            since = max(since, reset.at)
    if bucket.resets_on_success:
        since = max([since, *(s.at for s in mine if s.succeeded)])
    failures = sorted(s.at for s in mine if not s.succeeded and s.at > since)
    if not failures:
        return State(0, None, timedelta(0))
    waits_until = failures[-1] + delay_after(len(failures), bucket.free)
    return State(len(failures), failures[-1], max(waits_until - now, timedelta(0)))


def _seen(where: Callable, now: datetime, exclude_id: int | None = None) -> list[Seen]:
    since = now - timedelta(minutes=_config("LOGIN_WINDOW_MINUTES"))
    query = select(LoginAttempt.at, LoginAttempt.username, LoginAttempt.ip, LoginAttempt.device,
                   LoginAttempt.succeeded).where(where(), LoginAttempt.throttled.is_(False), LoginAttempt.at > since)  # fmt: skip
    if exclude_id is not None:
        query = query.where(LoginAttempt.id != exclude_id)
    return [Seen(*row) for row in db.session.execute(query)]


def _resets(username: str | None, ip: str | None, now: datetime) -> list[LoginThrottleReset]:
    since = now - timedelta(minutes=_config("LOGIN_WINDOW_MINUTES"))
    who = [LoginThrottleReset.username == username] if username else []
    if ip:
        who.append(LoginThrottleReset.ip == ip)
    if not who:
        return []
    return list(
        db.session.scalars(select(LoginThrottleReset).where(or_(*who), LoginThrottleReset.at > since))
    )


def known_address(username: str, ip: str | None, now: datetime) -> bool:
    """Whether the user name signed in from this address within LOGIN_KNOWN_DAYS."""
    if not ip:
        return False
    since = now - timedelta(days=_config("LOGIN_KNOWN_DAYS"))
    query = select(LoginAttempt.id).where(LoginAttempt.username == username, LoginAttempt.ip == ip,
                                          LoginAttempt.succeeded.is_(True), LoginAttempt.at > since).limit(1)  # fmt: skip
    return db.session.scalar(query) is not None


def wait_for(attempt: LoginAttempt, now: datetime) -> timedelta:
    """How much longer the attempt (written already, so parallel attempts see each other) must wait: the longest
    wait of its buckets, counted over the other attempts."""
    known = attempt.device is None and known_address(attempt.username, attempt.ip, now)
    buckets = buckets_for(attempt.username, attempt.ip, attempt.device, known)
    username, ip = attempt.username, attempt.ip
    if ip:
        seen = _seen(lambda: or_(LoginAttempt.username == username, LoginAttempt.ip == ip), now, attempt.id)
    else:
        seen = _seen(lambda: LoginAttempt.username == username, now, attempt.id)
    resets = _resets(username, ip, now)
    return max(bucket_state(b, seen, resets, now).wait for b in buckets)


@dataclass(frozen=True)
class Slowed:
    """A user name or an address that is being slowed down, for the managers' page."""

    key: str  # the user name, or the address
    failures: int
    last_failure: datetime
    wait: timedelta
    others: tuple[str, ...]  # the addresses the name failed from, or the names the address tried


LISTED_ATTEMPTS = 5000  # the most recent attempts the page reads (an attack writes few: it is slowed)


def _slowed(key: str, buckets: list[Bucket], seen: list[Seen], resets: list[LoginThrottleReset], now: datetime,
            others: set[str]) -> Slowed | None:  # fmt: skip
    states = [(b, bucket_state(b, seen, resets, now)) for b in buckets]
    slowed = [(b, s) for b, s in states if s.failures >= b.free]
    if not slowed:
        return None
    last = max(s.last_failure for _b, s in slowed if s.last_failure is not None)
    return Slowed(key, max(s.failures for _b, s in slowed), last, max(s.wait for _b, s in slowed),
                  tuple(sorted(others))[:5])  # fmt: skip


def slowed_now(now: datetime) -> tuple[list[Slowed], list[Slowed]]:
    """The user names and the addresses that are slowed down now (a failure more would have to wait)."""
    since = now - timedelta(minutes=_config("LOGIN_WINDOW_MINUTES"))
    query = (select(LoginAttempt.at, LoginAttempt.username, LoginAttempt.ip, LoginAttempt.device,
                    LoginAttempt.succeeded)
             .where(LoginAttempt.throttled.is_(False), LoginAttempt.at > since, LoginAttempt.at <= now)
             .order_by(LoginAttempt.at.desc()).limit(LISTED_ATTEMPTS))  # fmt: skip
    seen = [Seen(*row) for row in db.session.execute(query)]
    resets = list(db.session.scalars(select(LoginThrottleReset).where(LoginThrottleReset.at > since)))
    failed = [s for s in seen if not s.succeeded]
    names, addresses = [], []
    free = _config("LOGIN_MAX_FAILURES")
    for name in sorted({s.username for s in failed}):
        mine = [s for s in failed if s.username == name]
        buckets = [
            Bucket("pair", name, ip, None, free, True) for ip in {s.ip for s in mine if s.device is None}
        ]
        buckets += [Bucket("device", name, None, d, free, True) for d in {s.device for s in mine if s.device}]
        buckets.append(buckets_for(name, None, None, False)[1])
        found = _slowed(name, buckets, seen, resets, now, {s.ip or "—" for s in mine})
        if found:
            names.append(found)
    for ip in sorted({s.ip for s in failed if s.ip and s.device is None}):
        bucket = Bucket("address", None, ip, None, _config("LOGIN_MAX_FAILURES_PER_IP"), False)
        found = _slowed(ip, [bucket], seen, resets, now, {s.username for s in failed if s.ip == ip})
        if found:
            addresses.append(found)
    return names, addresses


def clear(actor_id: int, now: datetime, username: str | None = None, ip: str | None = None) -> None:
    """Forget the failures so far of a user name (every address and device) or of an address (every name)."""
    db.session.add(LoginThrottleReset(username=username, ip=ip, cleared_by_id=actor_id, at=now))
    db.session.commit()
