"""Typed access to the settings table, with defaults for every known key."""

from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.extensions import db
from crm.kept import Kept
from crm.refdata.models import Setting
from crm.vocab import APPROVAL_CHAIN_LABELS, SIGNING_AGREEMENT_CHOICES, ApprovalChain


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: object  # a lazy translation
    default: str
    kind: str = "int"  # int | choice
    choices: dict | None = None
    minimum: int = 0
    maximum: int = 100000


SPECS = {
    spec.key: spec
    for spec in (
        SettingSpec(
            "approval_chain",
            _l("Whitelist approval chain"),
            ApprovalChain.COUNTY_THEN_CITY,
            kind="choice",
            choices={k.value: v for k, v in APPROVAL_CHAIN_LABELS.items()},
        ),
        SettingSpec(
            "first_claim_days", _l("First-claim protection period (days)"), "180", minimum=1, maximum=3650
        ),
        SettingSpec(
            "name_similarity",
            _l("Name similarity threshold for duplicate warnings (50–100)"),
            "88",
            minimum=50,
            maximum=100,
        ),
        SettingSpec(
            "light_yellow_overdue",
            _l("Yellow light: a plan step overdue by this many working days"),
            "3",
            minimum=1,
            maximum=100,
        ),
        SettingSpec(
            "light_red_overdue",
            _l("Red light: a plan step overdue by this many working days"),
            "10",
            minimum=1,
            maximum=200,
        ),
        SettingSpec(
            "remind_due_soon",
            _l("Remind this many working days before a task is due"),
            "2",
            minimum=1,
            maximum=30,
        ),
        SettingSpec(
            "remind_no_contact",
            _l("Remind the owner after this many working days without contact"),
            "10",
            minimum=1,
            maximum=200,
        ),
        SettingSpec(
            "remind_plan_ending",
            _l("Warn this many working days before a plan's last step"),
            "5",
            minimum=1,
            maximum=60,
        ),
        SettingSpec(
            "escalate_lead",
            _l("Escalate an overdue task to the team leader after working days (blue)"),
            "3",
            minimum=1,
            maximum=100,
        ),
        SettingSpec(
            "escalate_county",
            _l("Escalate to the county head after working days (yellow)"),
            "5",
            minimum=1,
            maximum=100,
        ),
        SettingSpec(
            "escalate_city",
            _l("Escalate to the city managers after working days (red)"),
            "10",
            minimum=1,
            maximum=200,
        ),
        SettingSpec(
            "digest_hour", _l("Hour of the daily digest on working days (0–23)"), "8", minimum=0, maximum=23
        ),
        SettingSpec(
            "light_red_no_contact",
            _l("Red light: no contact for this many working days"),
            "15",
            minimum=1,
            maximum=200,
        ),
        SettingSpec("rank_weight_visit", _l("Activity index: points per visit to an enterprise"), "2"),
        SettingSpec(
            "rank_weight_inbound", _l("Activity index: points per enterprise visit to Liaocheng"), "3"
        ),
        SettingSpec("rank_weight_signing", _l("Activity index: points per signing"), "10"),
        SettingSpec("rank_weight_start", _l("Activity index: points per construction start"), "8"),
        SettingSpec(
            "rank_difficulty_top",
            _l("Activity index: difficulty factor (%) for 四类500强, central SOEs and multinationals"),
            "150",
            minimum=100,
            maximum=500,
        ),
        SettingSpec(
            "rank_difficulty_leader",
            _l("Activity index: difficulty factor (%) for industry leaders, chain leaders and head firms"),
            "120",
            minimum=100,
            maximum=500,
        ),
        SettingSpec(
            "signing_agreements",
            _l("Agreement types that count as a signing"),
            "investment,contract",
            kind="choice",
            choices=SIGNING_AGREEMENT_CHOICES,
        ),
        SettingSpec(
            "project_register_days",
            _l("Project light: yellow when not registered this many working days after signing"),
            "40",
            minimum=1,
            maximum=500,
        ),
        SettingSpec(
            "project_start_days",
            _l(
                "Project light: yellow when construction has not started this many working days after registration"
            ),
            "60",
            minimum=1,
            maximum=500,
        ),
        SettingSpec(
            "project_red_extra_days",
            _l("Project light: red this many working days after turning yellow"),
            "20",
            minimum=1,
            maximum=500,
        ),
        SettingSpec(
            "project_funds_grace_days",
            _l("Project light: funds behind schedule this many working days after the planned month ends"),
            "10",
            minimum=0,
            maximum=200,
        ),
        SettingSpec(
            "return_deadline_day",
            _l("Monthly funds return: deadline day of the month"),
            "25",
            minimum=1,
            maximum=28,
        ),
        SettingSpec(
            "return_remind_days",
            _l("Monthly funds return: remind counties this many working days before the deadline"),
            "3",
            minimum=1,
            maximum=20,
        ),
    )
}


# The settings as a web process last read them (REFDATA_CACHE_SECONDS, like the other reference data): a write in
# this process is seen at once, another worker's within the seconds.
_kept = Kept("settings", touches=lambda classes: any(c is Setting for c in classes))


def _read() -> dict[str, str]:
    return dict(db.session.execute(select(Setting.key, Setting.value)).all())


def _stored() -> dict[str, str]:
    """Every stored setting (a few dozen rows), read once per request (a page that draws lights and plan dates
    asked for them three times) or kept per process as above. Outside a request (the scheduler's jobs) each call
    reads them afresh."""
    if not has_request_context():
        return _read()
    stored = request.__dict__.get("_settings")
    if stored is None:
        seconds = current_app.config["REFDATA_CACHE_SECONDS"]
        stored = _kept.get("settings", seconds, _read, keep=lambda _rows: True)  # 0 seconds: read every time
        request.__dict__["_settings"] = stored
    return stored


def _forget() -> None:
    """A setting changed in this request: the next read sees it (the write has also made the process forget)."""
    if has_request_context():
        request.__dict__.pop("_settings", None)
    _kept.forget()


def get_setting(key: str) -> str:
    value = _stored().get(key)
    return value if value is not None else SPECS[key].default


def get_int(key: str) -> int:
    return int(get_setting(key))


def get_ints(*keys: str) -> dict[str, int]:
    """Several integer settings."""
    stored = _stored()
    return {key: int(stored.get(key, SPECS[key].default)) for key in keys}


def set_setting(key: str, value: str) -> None:
    spec = SPECS[key]
    if spec.kind == "choice" and value not in (spec.choices or {}):
        raise ValueError(f"{key}: {value!r} is not a valid choice")
    if spec.kind == "int" and not spec.minimum <= int(value) <= spec.maximum:
        raise ValueError(f"{key}: {value} is out of range")
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=str(value)))
    else:
        row.value = str(value)
    _forget()
