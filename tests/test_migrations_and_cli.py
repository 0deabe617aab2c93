"""The migrations match the models, and the `flask crm` commands behave."""

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from config import ProdConfig
from crm.auth.models import User
from crm.cli import crm_cli
from crm.extensions import db, include_object
from crm.vocab import State
from crm.whitelist.models import WhitelistEntry


def test_migrated_schema_matches_the_models(app):
    """The session's database was built by `flask db upgrade`; autogenerate must find nothing left to do."""
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": include_object(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_seed_demo_covers_every_state_and_the_demo_accounts(app):
    result = app.test_cli_runner().invoke(crm_cli, ["seed-demo"])
    assert result.exit_code == 0, result.output
    states = set(db.session.scalars(select(WhitelistEntry.state).distinct()))
    assert states == {s.value for s in State}
    names = set(db.session.scalars(select(User.username)))
    assert {"admin", "manager", "head_dcf", "lead1", "member1"} <= names
    head = db.session.scalar(select(User).where(User.username == "head_dcf"))
    assert head.region.name == "东昌府区" and head.check_password("demo2026")
    assert db.session.scalar(select(func.count()).where(WhitelistEntry.conflict.is_(True))) >= 1
    regions = set(db.session.scalars(select(WhitelistEntry.region_id).distinct()))
    assert len(regions) >= 8
    _demo_chains_have_gaps_targets_and_candidates()


def _demo_chains_have_gaps_targets_and_candidates() -> None:
    from datetime import UTC, datetime

    from crm.chains import gaps, recommend
    from crm.chains.models import Chain, ChainNode

    chains = list(db.session.scalars(select(Chain).order_by(Chain.sort)))
    assert len(chains) == 5 and all(c.is_demo for c in chains)
    scores = gaps.scores([c.id for c in chains], date(2026, 12, 5))
    assert all(s.gaps and s.covered for s in scores.values())  # every chain shows a gap and a covered node
    assert db.session.scalar(select(func.count()).where(WhitelistEntry.chain_node_id.isnot(None))) == 6
    foil = db.session.scalar(select(ChainNode).where(ChainNode.name == "电池铝箔"))
    assert [c.enterprise.name for c in recommend.candidates(foil, None, datetime(2026, 12, 5, tzinfo=UTC))][
        :1
    ] == ["华创电池铝箔股份有限公司"]


def test_seed_demo_only_fills_an_empty_database(app):
    runner = app.test_cli_runner()
    assert runner.invoke(crm_cli, ["seed-demo"]).exit_code == 0
    again = runner.invoke(crm_cli, ["seed-demo"])
    assert again.exit_code != 0
    assert runner.invoke(crm_cli, ["seed-demo", "--if-empty"]).exit_code == 0


def test_seed_demo_refuses_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "IS_PRODUCTION", True)
    result = app.test_cli_runner().invoke(crm_cli, ["seed-demo"])
    assert result.exit_code != 0 and "production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_production_config_needs_a_secret_and_a_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/crm")
    with pytest.raises(RuntimeError):  # the development secret is refused even with a database set
        ProdConfig.check()
    monkeypatch.setattr(ProdConfig, "SECRET_KEY", "a-real-secret")
    ProdConfig.check()  # both set: accepted
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(RuntimeError):
        ProdConfig.check()


def test_production_starts_when_the_environment_sets_the_secret_and_the_database(tmp_path):
    """The real path: the variables are read at import, as under gunicorn (a check comparing the key with the
    base class's would refuse every real deployment)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = "import config; config.get_config().check(); print('accepted')"
    env = {**os.environ, "CRM_CONFIG": "prod", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env["SECRET_KEY"] = "a-real-secret-from-the-environment"
    accepted = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert accepted.returncode == 0 and "accepted" in accepted.stdout, accepted.stderr
    del env["SECRET_KEY"]
    refused = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


def test_unset_config_name_means_production(monkeypatch):
    from config import get_config

    monkeypatch.delenv("CRM_CONFIG", raising=False)
    assert get_config() is ProdConfig


def test_create_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        crm_cli, ["create-user", "zhang", "--role", "county_head", "--name", "张三", "--region", "371502",
                  "--password", "long-enough-1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    assert (
        user.role == "county_head" and user.region.code == "371502" and user.check_password("long-enough-1")
    )
    short = runner.invoke(
        crm_cli, ["create-user", "li", "--role", "member", "--name", "李四", "--password", "short"]
    )
    assert short.exit_code != 0
    unknown = runner.invoke(
        crm_cli,
        [
            "create-user",
            "wu",
            "--role",
            "member",
            "--name",
            "吴",
            "--region",
            "999999",
            "--password",
            "long-enough-1",
        ],
    )
    assert unknown.exit_code != 0 and "999999" in unknown.output
