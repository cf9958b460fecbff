"""Scheduled runs: one cron-scheduled deployment of ``crisis_pipeline`` per case.

``flow.to_deployment`` + ``prefect.serve`` (https://docs.prefect.io/v3/how-to-guides/
deployment_infra/run-flows-in-local-processes) register a deployment named after the case
(``crisis-pipeline/uae-covid``) with its cron schedule, then keep a process polling the
server for due runs and executing each in a subprocess -- no work pool or worker needed.

Schedules fire only on a real Prefect server: on the temporary server of ephemeral mode they
are registered but never run, so :func:`serve_cases` refuses to start without
``PREFECT_API_URL``. Running it::

    prefect server start --host 127.0.0.1 --port 4200          # terminal 1 (UI on :4200)
    export PREFECT_API_URL=http://127.0.0.1:4200/api           # terminal 2
    python -m flows.serve uae-covid="0 6 * * *" la-wildfire    # or: crisis-fca serve ...

``CASE`` alone uses :data:`DEFAULT_CRON`; ``CASE:PROFILE=CRON`` serves another profile.
Stopping the process (Ctrl-C) pauses the schedules until it is started again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crisis_fca.errors import ConfigError

__all__ = [
    "DEFAULT_CRON",
    "CaseSchedule",
    "deployments",
    "flow_deployments",
    "main",
    "parse_schedule",
    "require_server",
    "serve_cases",
    "serve_main",
]

DEFAULT_CRON = "0 6 * * *"
"""Every day at 06:00 in the schedule's time zone (UTC unless ``--timezone``)."""


@dataclass(frozen=True)
class CaseSchedule:
    """One case (and profile) to run on a cron schedule."""

    case: str
    cron: str = DEFAULT_CRON
    profile: str = "rigorous"

    @property
    def deployment_name(self) -> str:
        """``uae-covid`` for the rigorous profile, else ``uae-covid-study``."""
        return self.case if self.profile == "rigorous" else f"{self.case}-{self.profile}"


def parse_schedule(text: str) -> CaseSchedule:
    """``CASE``, ``CASE=CRON`` or ``CASE:PROFILE=CRON`` as a :class:`CaseSchedule`.

    Example:
        >>> parse_schedule("uae-covid:study=30 5 * * 1")
        CaseSchedule(case='uae-covid', cron='30 5 * * 1', profile='study')
    """
    target, _, cron = text.partition("=")
    case, _, profile = target.strip().partition(":")
    if not case:
        msg = f"schedule {text!r} names no case; write CASE, CASE=CRON or CASE:PROFILE=CRON"
        raise ConfigError(msg)
    return CaseSchedule(case, cron.strip() or DEFAULT_CRON, profile.strip() or "rigorous")


def flow_deployments(
    target: Any,
    schedules: Sequence[CaseSchedule],
    *,
    data_dir: Path | None = None,
    db: Path | None = None,
    timezone: str = "UTC",
    what: str = "",
    tags: Sequence[str] = (),
) -> list[Any]:
    """One ``RunnerDeployment`` of the flow ``target`` per schedule (cases are checked first).

    The deployment passes ``case``, ``profile`` and, when given, ``data_dir`` and ``db`` to
    the flow; ``what`` prefixes its description, ``tags`` are added to the case's own.

    Raises:
        ConfigError: an unknown case or profile, or a cron string that does not parse.
    """
    from prefect.schedules import Cron

    from crisis_fca.config import load_case

    out = []
    for item in schedules:
        config = load_case(item.case, profile=item.profile)
        try:
            schedule = Cron(item.cron, timezone=timezone)
        except ValueError as exc:
            msg = f"case {item.case!r}: invalid cron {item.cron!r} ({exc}); e.g. '0 6 * * *'"
            raise ConfigError(msg) from None
        params: dict[str, Any] = {"case": item.case, "profile": item.profile}
        params |= {k: str(v) for k, v in (("data_dir", data_dir), ("db", db)) if v is not None}
        out.append(
            target.to_deployment(
                name=item.deployment_name,
                schedules=[schedule],
                parameters=params,
                description=(
                    f"{what}{config.case.title} ({item.profile} profile), cron {item.cron}"
                ),
                tags=["crisis-fca", *tags, config.name, item.profile],
            )
        )
    return out


def deployments(
    schedules: Sequence[CaseSchedule],
    *,
    data_dir: Path | None = None,
    db: Path | None = None,
    timezone: str = "UTC",
) -> list[Any]:
    """One deployment of ``crisis_pipeline`` per schedule (see :func:`flow_deployments`)."""
    from flows.pipeline import crisis_pipeline

    return flow_deployments(crisis_pipeline, schedules, data_dir=data_dir, db=db, timezone=timezone)


def require_server() -> None:
    """Refuse to serve on Prefect's temporary server, where schedules never fire.

    Raises:
        ConfigError: ``PREFECT_API_URL`` is unset; the message says how to start a server.
    """
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        msg = (
            "PREFECT_API_URL is not set: schedules registered on Prefect's temporary server "
            "never fire. Start a server (`prefect server start --host 127.0.0.1 --port 4200`, "
            "or `make prefect-server`) and export PREFECT_API_URL=http://127.0.0.1:4200/api, "
            "then serve again."
        )
        raise ConfigError(msg)


def serve_cases(
    schedules: Sequence[CaseSchedule],
    *,
    monitors: Sequence[CaseSchedule] = (),
    data_dir: Path | None = None,
    db: Path | None = None,
    timezone: str = "UTC",
    limit: int = 1,
) -> None:
    """Register the pipeline deployments (and ``monitors``' ``crisis_monitor`` deployments)
    and serve them until interrupted, ``limit`` runs at a time.

    Raises:
        ConfigError: ``PREFECT_API_URL`` is unset (schedules would never fire), or see
            :func:`flow_deployments`.
    """
    from prefect import serve

    require_server()
    found = deployments(schedules, data_dir=data_dir, db=db, timezone=timezone)
    if monitors:  # imported only when asked: flows.monitor imports this module
        from flows.monitor import monitor_deployments

        found += monitor_deployments(monitors, data_dir=data_dir, db=db, timezone=timezone)
    serve(*found, limit=limit)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m flows.serve CASE[=CRON] ...``: serve until Ctrl-C; 1 on a user error."""
    return serve_main(argv, prog="python -m flows.serve", description=__doc__)


def serve_main(
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str | None,
    monitor_cron: str | None = None,
) -> int:
    """The command line of ``python -m flows.serve`` and ``python -m flows.monitor``.

    Without ``monitor_cron`` it serves ``crisis_pipeline`` deployments; with it, only
    ``crisis_monitor`` deployments, ``CASE`` alone getting ``monitor_cron``.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("schedules", nargs="+", metavar="CASE[:PROFILE][=CRON]")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--timezone", default="UTC")
    args = parser.parse_args(argv)
    options = {"data_dir": args.data_dir, "db": args.db, "timezone": args.timezone}
    try:
        wanted = [parse_schedule(s) for s in args.schedules]
        if monitor_cron is None:
            serve_cases(wanted, **options)
        else:
            monitors = [
                w if "=" in text else CaseSchedule(w.case, monitor_cron, w.profile)
                for w, text in zip(wanted, args.schedules, strict=True)
            ]
            serve_cases((), monitors=monitors, **options)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
