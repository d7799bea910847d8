"""Keep a local stack's whole state across restarts, in one file of its `PEKEN_STATE_DIR`.

What a stack holds lives or dies together: DynamoDB items, SQS messages and S3 objects (in
moto's memory), the local Stripe's store (`stripe.pickle`, which localstripe writes itself)
and the local keys (the issuer's signing key, the audit's pseudonym key). `state.json.gz`
holds all of them from one moment: the emulator's part is read under its request lock (no
request half-done), Stripe's file and the keys are copied beside it, and the file is
replaced atomically (written aside, then `os.replace`), so a crash mid-save leaves the previous snapshot whole.

- Saved: when the stack stops (SIGTERM/SIGINT of `make run`, after the API, pump and
  Stripe have stopped, so nothing is lost in between) and every `SAVE_SECONDS` while it
  runs if something changed (a write reached the emulator, or Stripe's file changed). A
  SIGKILL loses at most the last interval.
- Restored: on start, before anything serves. Stripe's store and the key are put back
  before localstripe and the issuer read them; the items, messages and objects after the
  tables, queues and buckets are provisioned (from `infra/aws/resources.json`, as on a
  fresh start), and then the demo data is not seeded again. Without a snapshot, Stripe's
  store and the key left in the directory are removed: a fresh stack starts empty.
- A delayed SQS message stays delayed until the same moment (at most 15 minutes from the
  restore). What is not kept: in-flight messages come back visible (SQS would redeliver
  them after their visibility timeout anyway) with their receive counts reset; table and
  queue definitions come from the template, not the snapshot; anything of a table, queue
  or bucket the template no longer has is dropped (logged by count).

Data, not pickles of moto's objects: items are moto's wire JSON, messages their body,
attributes and FIFO ids, objects their bytes and metadata; so a moto upgrade does not
strand a pilot's data, and the file can be read with `zcat`. Cost: one pass over every
item, message and object per save (100,000 items: a few seconds, mostly JSON), during which
the emulator answers nothing else.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from infra.local.prepare import ACCOUNT, KEY_FILES, REGION


class Emulator(Protocol):
    """What the keeper needs of an emulator (`emulator.Emulator`, `emulator.EmulatorProcess`)."""

    @property
    def writes(self) -> int: ...

    def snapshot(self) -> dict[str, Any]: ...

    def restore(self, snapshot: dict[str, Any]) -> dict[str, int]: ...


log = logging.getLogger("peken.persistence")
STATE_FILE = "state.json.gz"
STRIPE_FILE = "stripe.pickle"  # where LocalStripe keeps localstripe's store in the state dir
SAVE_SECONDS = float(os.environ.get("PEKEN_STATE_SAVE_SECONDS", "30"))
VERSION = 1
MAX_DELAY_SECONDS = 900  # SQS's longest message delay


@dataclass
class Keeper:
    """Save and restore one state directory; `start` saves at intervals until `stop`."""

    state_dir: Path
    emulator: Emulator | None = None
    interval: float = SAVE_SECONDS
    _snapshot: dict[str, Any] | None = None
    _seen: tuple[int, float] = (-1, -1.0)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def path(self) -> Path:
        """Return the snapshot file."""
        return self.state_dir / STATE_FILE

    def restore_files(self) -> bool:
        """Put Stripe's store and the keys back (or clear them without a snapshot); tell if restored."""
        stripe_file, key_files = self.state_dir / STRIPE_FILE, {n: self.state_dir / f for n, f in KEY_FILES.items()}
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            for leftover in (stripe_file, *key_files.values()):
                leftover.unlink(missing_ok=True)  # dies with the emulator's state, which is gone
            return False
        with gzip.open(self.path, "rt", encoding="utf-8") as fh:
            self._snapshot = json.load(fh)
        snapshot = self._snapshot
        assert snapshot is not None
        if snapshot.get("version") != VERSION:
            raise RuntimeError(f"{self.path} is version {snapshot.get('version')}; this stack reads {VERSION}")
        if snapshot.get("stripe") is not None:
            _write_private(stripe_file, base64.b64decode(snapshot["stripe"]))
        else:
            stripe_file.unlink(missing_ok=True)
        for name, key_file in key_files.items():
            if snapshot.get(name) is not None:
                _write_private(key_file, snapshot[name].encode())
        return True

    def restore_emulator(self, emulator: Emulator) -> dict[str, int]:
        """Load the snapshot's items, messages and objects into the provisioned emulator; return counts."""
        snapshot, self._snapshot = self._snapshot or {}, None
        counts = emulator.restore({part: snapshot.get(part, {}) for part in EMULATOR_PARTS})
        log.info("restored %s from %s (saved %s)", counts, self.path.name, snapshot.get("saved_at"))
        self.emulator = emulator  # only a stack whose state is whole may replace the snapshot
        self._seen = self._fingerprint()
        return counts

    def save(self) -> Path:
        """Write the snapshot now (atomically) and return its path."""
        with self._lock:
            fingerprint = self._fingerprint()
            assert self.emulator is not None
            snapshot: dict[str, Any] = {
                "version": VERSION,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **self.emulator.snapshot(),
            }
            stripe_file = self.state_dir / STRIPE_FILE
            snapshot["stripe"] = base64.b64encode(stripe_file.read_bytes()).decode() if stripe_file.exists() else None
            for name, file in KEY_FILES.items():
                key_file = self.state_dir / file
                snapshot[name] = key_file.read_text() if key_file.exists() else None
            aside = self.path.with_suffix(".tmp")
            with gzip.open(aside, "wt", encoding="utf-8", compresslevel=1) as fh:
                json.dump(snapshot, fh, separators=(",", ":"))
            aside.chmod(0o600)  # it holds the keys
            os.replace(aside, self.path)
            self._seen = fingerprint
            return self.path

    def start(self) -> Keeper:
        """Save every `interval` seconds when something changed, in a daemon thread."""
        self._seen = self._fingerprint() if self._seen == (-1, -1.0) else self._seen
        self._thread = threading.Thread(target=self._run, name="state-keeper", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the interval saves (the caller saves once more when everything else has stopped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self._fingerprint() != self._seen:
                try:
                    self.save()
                except Exception:  # keep the previous snapshot and try again next time
                    log.exception("saving the local state failed")

    def _fingerprint(self) -> tuple[int, float]:
        writes = self.emulator.writes if self.emulator is not None else 0
        stripe_file = self.state_dir / STRIPE_FILE
        return writes, stripe_file.stat().st_mtime if stripe_file.exists() else 0.0


def _write_private(path: Path, data: bytes) -> None:
    aside = path.with_suffix(path.suffix + ".tmp")
    aside.write_bytes(data)
    aside.chmod(0o600)
    os.replace(aside, path)


def _dynamodb() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION]


def _sqs() -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT][REGION]


def _s3() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT]["aws"]


def _dump_dynamodb() -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, table in _dynamodb().tables.items():
        parts = table.items.values()
        items = [i for part in parts for i in part.values()] if table.range_key_attr else list(parts)
        out[name] = [item.to_json()["Attributes"] for item in items]
    return out


def _restore_dynamodb(tables: dict[str, list[dict[str, Any]]]) -> int:
    backend, restored = _dynamodb(), 0
    for name, items in tables.items():
        if name not in backend.tables:
            log.warning("a saved table is not in the template any more: %d items dropped", len(items))
            continue
        for attributes in items:
            backend.put_item(name, attributes)
        restored += len(items)
    return restored


def _dump_sqs() -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, queue in _sqs().queues.items():
        out[name] = [
            {
                "body": m.body,
                "attributes": m.message_attributes,
                "group_id": m.group_id,
                "deduplication_id": m.deduplication_id,
                "delayed_until_ms": m.delayed_until,
            }
            for m in queue._messages
        ]
    return out


def _restore_sqs(queues: dict[str, list[dict[str, Any]]]) -> int:
    backend, restored, now_ms = _sqs(), 0, time.time() * 1000
    for name, messages in queues.items():
        if name not in backend.queues:
            log.warning("a saved queue is not in the template any more: %d messages dropped", len(messages))
            continue
        for m in messages:
            backend.send_message(
                name,
                m["body"],
                message_attributes=m["attributes"] or None,
                delay_seconds=min(MAX_DELAY_SECONDS, max(0, math.ceil((m["delayed_until_ms"] - now_ms) / 1000))),
                deduplication_id=m["deduplication_id"],
                group_id=m["group_id"],
            )
        restored += len(messages)
    return restored


def _dump_s3() -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, bucket in _s3().buckets.items():
        out[name] = [
            {"key": key.name, "value": base64.b64encode(key.value).decode(), "metadata": dict(key.metadata)}
            for key in bucket.keys.values()
            if key is not None and not getattr(key, "is_delete_marker", False)
        ]
    return out


def _restore_s3(buckets: dict[str, list[dict[str, Any]]]) -> int:
    backend, restored = _s3(), 0
    for name, objects in buckets.items():
        if name not in backend.buckets:
            log.warning("a saved bucket is not in the template any more: %d objects dropped", len(objects))
            continue
        for o in objects:
            key = backend.put_object(name, o["key"], base64.b64decode(o["value"]), disable_notification=True)
            key.set_metadata(o["metadata"], replace=True)
        restored += len(objects)
    return restored


# Each part of the emulator's state: its key in the snapshot, what its restore counts, and how.
_PARTS = {
    "dynamodb": ("items", _dump_dynamodb, _restore_dynamodb),
    "sqs": ("messages", _dump_sqs, _restore_sqs),
    "s3": ("objects", _dump_s3, _restore_s3),
}
EMULATOR_PARTS = tuple(_PARTS)


def dump_emulator() -> dict[str, Any]:
    """Return the moto tables, queues and buckets of this process as data (the caller holds the emulator still)."""
    return {part: dump() for part, (_, dump, _) in _PARTS.items()}


def restore_emulator(snapshot: dict[str, Any]) -> dict[str, int]:
    """Load `dump_emulator`'s data into this process's provisioned moto; return counts."""
    return {counted: restore(snapshot.get(part, {})) for part, (counted, _, restore) in _PARTS.items()}
