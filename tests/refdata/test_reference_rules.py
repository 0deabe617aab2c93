"""Point 7 of issue 14: 四类500强 is exactly the four lists (the services list a tag of its own), the industry
flags are consistent down the tree (a group's flags are derived from its sub-industries), group nodes cannot be
chosen in forms or imports; and migration f1c2a3b4d5e6 does the same to an existing database, up and down."""

import importlib.util
import re
from datetime import date
from pathlib import Path

from sqlalchemy import inspect, select, text

from crm.dashboard.rankings import WEIGHTS, difficulty
from crm.enterprises.models import EnterpriseCategory
from crm.extensions import db
from crm.imports import services
from crm.imports.columns import auto_mapping, columns_for
from crm.imports.reader import read_table
from crm.refdata import seed
from crm.refdata.aliases import ReferenceNames, key
from crm.refdata.choices import leaf_industry_choices
from crm.refdata.models import CategoryTag, Industry
from crm.settings import get_ints
from crm.vocab import TAG_GROUPS
from crm.whitelist.models import WhitelistEntry
from tests.migration_world import old_schema_app  # noqa: F401  (the fixture)
from tests.refdata.test_aliases import xlsx

FOUR = ["世界500强", "中国企业500强", "中国民营企业500强", "中国制造业企业500强"]
REVISION = "f1c2a3b4d5e6"
MIGRATION = next((Path(__file__).parents[2] / "migrations" / "versions").glob(f"{REVISION}_*.py"))


def industry(name: str) -> Industry:
    return db.session.scalar(select(Industry).where(Industry.name == name))


def group_of(name: str) -> list[str]:
    return list(
        db.session.scalars(
            select(CategoryTag.name).where(CategoryTag.group == name).order_by(CategoryTag.sort)
        )
    )


def test_four_lists_are_the_four_and_the_services_list_stands_alone(app):
    assert TAG_GROUPS["top500"] == "四类500强" and group_of("top500") == FOUR
    assert group_of("other500") == ["中国服务业企业500强"]


def test_a_services_500_firm_is_not_ranked_as_a_500_list_firm(app, make_user, make_entry):
    """The activity ranking weights 四类500强 targets by their difficulty: a services-list firm no longer counts."""
    lead = make_user("lead", "371502")
    firms = {}
    for code, name in (("service_500", "青岚现代物流有限公司"), ("private_500", "赤松精密轴承有限公司")):
        entry = make_entry(lead, name=name)
        tag = db.session.scalar(select(CategoryTag.id).where(CategoryTag.code == code))
        db.session.add(EnterpriseCategory(enterprise_id=entry.enterprise_id, tag_id=tag))
        firms[code] = entry.id
    db.session.commit()
    weights = get_ints(*WEIGHTS)
    factor = {code: db.session.scalar(select(difficulty(weights)).where(WhitelistEntry.id == entry_id))
              for code, entry_id in firms.items()}  # fmt: skip
    assert factor == {"service_500": 100, "private_500": weights["rank_difficulty_top"]}


def test_group_flags_follow_their_sub_industries(app):
    nodes = db.session.scalars(select(Industry)).all()
    for group in (n for n in nodes if any(c.parent_id == n.id for c in nodes)):
        kids = [c for c in nodes if c.parent_id == group.id and c.active]
        assert group.is_manufacturing == all(k.is_manufacturing for k in kids), group.name
        assert group.is_emerging == all(k.is_emerging for k in kids), group.name
    future = industry("未来产业")
    assert (future.is_manufacturing, future.is_emerging) == (False, True)
    assert not industry("人工智能").is_manufacturing and industry("氢能").is_manufacturing


def test_an_administrators_edit_of_a_sub_industry_moves_its_groups_flags(client, make_user, login):
    login(make_user("admin"))

    def save(node: Industry, manufacturing: bool) -> None:
        form = {"name": node.name, "parent_id": node.parent_id or 0, "sort": node.sort, "active": "y",
                **({"is_manufacturing": "y"} if manufacturing else {}), "is_emerging": "y"}  # fmt: skip
        assert client.post(f"/admin/industries/{node.id}", data=form).status_code == 302

    save(industry("人工智能"), True)
    assert not industry("未来产业").is_manufacturing  # 生命科学 still is not
    save(industry("生命科学"), True)
    assert industry("未来产业").is_manufacturing
    save(industry("未来产业"), False)  # a group's own box does not override its sub-industries
    assert industry("未来产业").is_manufacturing
    save(industry("人工智能"), False)
    assert not industry("未来产业").is_manufacturing


def test_group_nodes_are_labels_not_choices(client, make_user, login):
    groups = {industry(n).id for n in ("四大支柱产业", "未来产业", "现代服务业")}
    values = {c.value for c in leaf_industry_choices(blank="—")}
    assert not values & groups and industry("人工智能").id in values
    assert {c.optgroup for c in leaf_industry_choices() if c.value == industry("人工智能").id} == {"未来产业"}
    login(make_user("lead", "371502"))
    page = client.get("/whitelist/propose").data.decode()
    for select_name in ("industry_id", "ent_industry_id"):
        box = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        assert '<optgroup label="未来产业">' in box and f'<option value="{industry("人工智能").id}"' in box
        assert not set(re.findall(r'<option[^>]*value="(\d+)"', box)) & {str(g) for g in groups}
    county = db.session.scalar(text("SELECT id FROM regions WHERE code = '371502'"))
    refused = client.post("/whitelist/propose", data={"name": "青岚精密轴承有限公司", "region_id": county,
                                                     "industry_id": industry("未来产业").id, "priority": 2})  # fmt: skip
    assert refused.status_code != 302 and db.session.scalar(select(WhitelistEntry.id)) is None


def test_the_importer_refuses_a_group_node_and_names_its_children(app, make_user):
    manager = make_user("manager")
    rows = [
        ["青岚精密轴承有限公司", "未来产业", "东昌府区"],
        ["赤松智能科技有限公司", "人工智能", "东昌府区"],
    ]
    table = read_table("名单.xlsx", xlsx(rows, ["企业名称*", "所属产业", "目标县(市、区)"]))
    plan = services.dry_run(manager, table, auto_mapping(table.headers, columns_for("proposals")), "proposals",
                            date(2026, 3, 2))  # fmt: skip
    first, second = plan.rows
    assert first.action == "reject" and second.action == "create"
    message = dict(first.errors)["所属产业"]
    assert message.startswith("未来产业是产业分组，请选择其下的细分产业：人工智能、生命科学、氢能")


def test_the_migration_copies_the_seeds_aliases():
    spec = importlib.util.spec_from_file_location("migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.REGION_ALIASES == seed.REGION_ALIASES and module.TAG_ALIASES == seed.TAG_ALIASES
    spellings = [s for _code, group in module.REGION_ALIASES + module.TAG_ALIASES for s in group]
    assert [module.key(s) for s in spellings] == [key(s) for s in spellings]


def _revision_before() -> str:
    spec = importlib.util.spec_from_file_location("migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.down_revision


def _rows(sql: str) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


TAGGING = "SELECT e.name, t.code, c.rank, c.list_year FROM enterprise_categories c JOIN enterprises e " \
          "ON e.id = c.enterprise_id JOIN category_tags t ON t.id = c.tag_id ORDER BY e.name, t.code"  # fmt: skip
FLAGS = "SELECT name, is_manufacturing, is_emerging FROM industries ORDER BY id"


def _old_world() -> None:
    """The reference data as the earlier seed left it (services list inside 四类500强, 未来产业 flagged
    manufacturing) and two enterprises tagged with the lists."""
    db.session.execute(text("UPDATE category_tags SET \"group\" = 'top500' WHERE code = 'service_500'"))
    db.session.execute(
        text("UPDATE industries SET is_manufacturing = :t WHERE name = '未来产业'"), {"t": True}
    )
    tags = dict(_rows("SELECT code, id FROM category_tags"))
    for number, (name, codes) in enumerate((("青岚现代物流有限公司", ["service_500", "china_500"]),
                                            ("赤松精密轴承有限公司", ["private_500"])), start=1):  # fmt: skip
        db.session.execute(text("INSERT INTO enterprises (id, name, name_norm, name_initials, created_at, updated_at,"
                                " version) VALUES (:id, :name, :name, 'x', :at, :at, 1)"),
                           {"id": number, "name": name, "at": "2026-03-02 02:00:00"})  # fmt: skip
        for code in codes:
            db.session.execute(text("INSERT INTO enterprise_categories (enterprise_id, tag_id, rank, list_year)"
                                    " VALUES (:e, :t, :r, 2025)"), {"e": number, "t": tags[code], "r": 100 + number})  # fmt: skip
    db.session.commit()


def _check_upgraded(tagging: list, flags: list) -> None:
    assert group_of("top500") == FOUR and group_of("other500") == ["中国服务业企业500强"]
    assert _rows(TAGGING) == tagging  # every enterprise keeps its tags, ranks and years
    future = dict((n, (bool(m), bool(e))) for n, m, e in _rows(FLAGS))
    assert future["未来产业"] == (False, True) and future["三大新兴产业"] == (True, True)
    assert [(n, bool(m), bool(e)) for n, m, e in _rows(FLAGS) if n != "未来产业"] == \
           [(n, bool(m), bool(e)) for n, m, e in flags if n != "未来产业"]  # fmt: skip
    names = ReferenceNames(("region", "category"))
    assert names.region_names[names.region("经开区")] == "聊城经济技术开发区"
    assert names.region_names[names.region("临清")] == "临清市"
    assert names.tag_names[names.category("民营500强")] == "中国民营企业500强"
    expected = sum(len(s) for _c, s in seed.REGION_ALIASES) + sum(len(s) for _c, s in seed.TAG_ALIASES)
    assert db.session.scalar(text("SELECT count(*) FROM ref_aliases")) == expected


def test_the_migration_moves_the_services_list_fixes_the_flags_seeds_aliases_and_comes_back(old_schema_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    before = _revision_before()
    with old_schema_app.app_context():
        upgrade(revision=before)
        seed.seed_reference()  # the alias table does not exist yet: only regions, tags and the tree
        _old_world()
        tagging, flags = _rows(TAGGING), _rows(FLAGS)
        assert "中国服务业企业500强" in group_of("top500")
        db.session.commit()
        for _round in range(2):
            upgrade(revision=REVISION)
            _check_upgraded(tagging, flags)
            db.session.commit()
            downgrade(revision=before)
            with db.engine.connect() as conn:
                assert "ref_aliases" not in inspect(conn).get_table_names()
            assert group_of("top500") == [*FOUR, "中国服务业企业500强"] and _rows(TAGGING) == tagging
            db.session.commit()
