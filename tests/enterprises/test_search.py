"""The search box (crm.enterprises.search) on the bureau's messy data, answered from an index on both databases:
the FTS5 trigram table on SQLite, kept in step by triggers through creates, edits and deletes; the trigram and
pattern indexes on PostgreSQL."""

import re

import pytest
from sqlalchemy import select, text

from crm.enterprises import merge as merging
from crm.enterprises.models import Enterprise
from crm.enterprises.search import enterprise_search
from crm.enterprises.services import EnterpriseData, update_enterprise
from crm.extensions import db

HUAXIA_CODE = "91340600MA2PBM9HXD"


@pytest.fixture
def firms(make_user, make_enterprise):
    member = make_user("member", "371502")
    return {
        "huaxia": make_enterprise(
            member, name="聊城华夏钢铁有限公司", uscc=HUAXIA_CODE, name_en="Huaxia Steel Co."
        ),
        "qinglan": make_enterprise(member, name="青岚生物制造有限公司"),
        "jinggong": make_enterprise(
            member, name="聊城精密机械（集团）有限公司", name_en="Liaocheng PRECISION Machinery"
        ),
        "member": member,
    }


def found(q: str) -> set[str]:
    return set(db.session.scalars(select(Enterprise.name).where(enterprise_search(q))))


def test_every_term_people_type_finds_the_firm(firms):
    assert found("精密机械") == {"聊城精密机械（集团）有限公司"}  # a trade in the middle of the name
    assert found("  精密机械 ") == {"聊城精密机械（集团）有限公司"}  # padded
    assert found("青岚") == {"青岚生物制造有限公司"}  # two characters: below a trigram, still found
    assert found("（集团）") == {"聊城精密机械（集团）有限公司"}  # full-width brackets as written
    assert found("precision") == {"聊城精密机械（集团）有限公司"}  # English name, any case
    assert found("STEEL") == {"聊城华夏钢铁有限公司"}
    assert found("hxgt") == {"聊城华夏钢铁有限公司"}  # initials in the middle (聊城 comes first: lchxgt…)
    assert found("HX GT") == {"聊城华夏钢铁有限公司"}  # typed with a space and capitals
    assert found("有限公司") == {
        "聊城华夏钢铁有限公司",
        "青岚生物制造有限公司",
        "聊城精密机械（集团）有限公司",
    }
    assert found("钢材") == set()
    assert found("   ") == set()


def test_a_credit_code_is_found_by_its_start_as_typed(firms):
    assert found(HUAXIA_CODE[:10]) == {"聊城华夏钢铁有限公司"}
    assert found("９１３４０６００ＭＡ") == {"聊城华夏钢铁有限公司"}  # full-width
    assert found("913406-00MA2P") == {"聊城华夏钢铁有限公司"}  # hyphenated
    assert found(HUAXIA_CODE.lower()[:12]) == {"聊城华夏钢铁有限公司"}
    assert found(HUAXIA_CODE[4:14]) == set()  # the middle of a code is not its start


def test_the_index_follows_edits_and_merges(firms, make_user, now):
    huaxia = firms["huaxia"]
    update_enterprise(
        huaxia, EnterpriseData(name="聊城华夏特钢集团有限公司", uscc=HUAXIA_CODE), None, firms["member"], now
    )
    assert found("特钢集团") == {"聊城华夏特钢集团有限公司"}
    assert found("华夏钢铁") == set()
    assert found("Huaxia") == set()  # the English name was cleared by the edit
    assert found("hxtg") == {"聊城华夏特钢集团有限公司"}
    manager = make_user("manager")
    merging.merge(manager, firms["jinggong"], firms["qinglan"], "同一企业", None, None, now)  # deletes 青岚
    assert found("生物制造") == set()
    assert found("精密机械") == {"聊城精密机械（集团）有限公司"}


def test_the_search_reads_an_index(firms):
    """SQLite: the FTS5 table holds every enterprise's terms (written by the triggers, not by this code).
    PostgreSQL: with sequential scans priced out, each term's plan names its index."""
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(
            text("SELECT rowid FROM enterprise_search WHERE name_key LIKE '%精密机械%'")
        ).all()
        assert rows == [(firms["jinggong"].id,)]
        assert db.session.execute(
            text("SELECT rowid FROM enterprise_search WHERE uscc LIKE :p"), {"p": HUAXIA_CODE[:8] + "%"}
        ).all() == [(firms["huaxia"].id,)]
        return
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    for q, index in [
        ("precision", "ix_enterprises_name_en_trgm"),
        ("hxgt", "ix_enterprises_name_initials_trgm"),
        (HUAXIA_CODE[:10], "ix_enterprises_uscc_prefix"),
        ("精密机械", "ix_enterprises_name_key_trgm"),
    ]:
        query = select(Enterprise.id).where(enterprise_search(q))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))
        assert index in plan, (q, plan)
    db.session.rollback()


def test_a_code_prefix_is_a_range_even_a_generic_plan_reads_from_the_index(firms):
    """PostgreSQL keeps the app's statements prepared (crm/prepared.py), and a generic plan of `uscc LIKE $1`
    cannot read a prefix from an index: the prefix is written as the range the pattern index reads."""
    assert found(HUAXIA_CODE[:15]) == {"聊城华夏钢铁有限公司"}  # a prefix ending in 9: the range's end is ':'
    assert found(HUAXIA_CODE[:14] + "8") == set()
    assert found(HUAXIA_CODE[:17] + "D") == {"聊城华夏钢铁有限公司"}  # the whole code
    if db.engine.dialect.name == "sqlite":
        return
    compiled = select(Enterprise.id).where(enterprise_search(HUAXIA_CODE[:10])).compile(db.engine)
    values: list = []

    def numbered(match) -> str:
        values.append(compiled.params[match.group(1)])
        return f"${len(values)}"

    sql = re.sub(r"%\((\w+)\)s(::\w+)?", numbered, compiled.string)
    db.session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text(f"PREPARE code_search AS {sql}"))
    arguments = ", ".join(f"'{v}'" for v in values)
    plan = "\n".join(r[0] for r in db.session.execute(text(f"EXPLAIN EXECUTE code_search({arguments})")))
    assert "ix_enterprises_uscc_prefix" in plan, plan
    db.session.execute(text("DEALLOCATE code_search"))
    db.session.rollback()


@pytest.fixture
def messy(make_user, make_enterprise):
    """Names as clerks type them: ASCII and full-width brackets, Traditional characters, full-width Latin letters
    and digits, stray spaces."""
    member = make_user("member", "371502")
    names = [
        "中寰重工(山东)有限公司",
        "深圳市雲啟科技有限公司",
        "ＡＢＣ精密 （聊城） 有限公司",
        "聊城第２纺织厂",
    ]
    return {name: make_enterprise(member, name=name) for name in names}


@pytest.mark.parametrize(
    "typed, name",
    [
        ("中寰重工（山东）", "中寰重工(山东)有限公司"),  # full-width brackets find ASCII ones
        ("中寰重工(山東)有限公司", "中寰重工(山东)有限公司"),  # and Traditional characters the Simplified
        ("中寰 重工", "中寰重工(山东)有限公司"),  # a stray space
        ("云启", "深圳市雲啟科技有限公司"),  # Simplified finds Traditional (two characters: no trigram)
        ("云启科技", "深圳市雲啟科技有限公司"),  # from the index
        ("雲啟科技", "深圳市雲啟科技有限公司"),
        ("abc精密(聊城)", "ＡＢＣ精密 （聊城） 有限公司"),  # full-width letters, spaces and brackets stored
        ("ＡＢＣ精密（聊城）有限", "ＡＢＣ精密 （聊城） 有限公司"),
        ("第2纺织", "聊城第２纺织厂"),  # a full-width digit
    ],
)
def test_search_ignores_brackets_traditional_characters_width_and_spacing(messy, typed, name):
    assert found(typed) == {name}


def test_the_key_follows_a_rename(messy, make_user, now):
    firm = messy["中寰重工(山东)有限公司"]
    data = EnterpriseData(name="中寰重工（山東）集團有限公司")
    update_enterprise(firm, data, None, make_user("manager"), now)
    assert found("中寰重工(山东)集团") == {"中寰重工（山東）集團有限公司"}
    assert firm.name_key == "中寰重工(山东)集团有限公司"


def test_percent_and_underscore_are_characters_not_wildcards(firms, make_enterprise):
    make_enterprise(firms["member"], name="聊城100%_新材料有限公司", name_en="Cent_Pct Materials")
    for wild in ("_", "%", "__", "%%", "\\", "_%_"):
        assert found(wild) <= {"聊城100%_新材料有限公司"}, wild
    assert found("_") == {"聊城100%_新材料有限公司"}  # the one name with an underscore
    assert found("100%_新") == {"聊城100%_新材料有限公司"}
    assert found("Cent_Pct") == {"聊城100%_新材料有限公司"}
    assert found("华_钢") == set()  # `_` no longer stands for 夏


def test_one_and_two_character_terms_find_what_the_pattern_finds(firms, messy, make_enterprise, monkeypatch):
    """PostgreSQL answers terms of one or two characters from the character-pair indexes (short_term), the others
    with LIKE; both must find the same firms. Every one- and two-character piece of every name, English name and
    initials, in both cases, and terms found nowhere, are searched both ways (on SQLite both ways are the pattern)."""
    from crm.enterprises import search

    make_enterprise(firms["member"], name="聊城100%_新材料有限公司", name_en="Cent_Pct Materials")
    texts = [
        t for e in db.session.scalars(select(Enterprise)) for t in (e.name, e.name_en, e.name_initials) if t
    ]
    terms = {t[i : i + n] for t in texts for n in (1, 2) for i in range(len(t) - n + 1)}
    terms = {t for t in terms | {x.upper() for x in terms} | {"钢材", "ZQ", "雲", "云", "（"} if t.strip()}
    by_index = {t: found(t) for t in sorted(terms)}
    monkeypatch.setattr(search, "is_short", lambda term: False)
    by_pattern = {t: found(t) for t in sorted(terms)}
    assert by_index == by_pattern
    assert by_index["华夏"] == {"聊城华夏钢铁有限公司"} and by_index["hx"] == {"聊城华夏钢铁有限公司"}
    assert by_index["雲"] == by_index["云"] == {"深圳市雲啟科技有限公司"}
    assert len(terms) > 200  # the comparison covers the names, it does not vacuously pass


def test_a_two_character_term_reads_the_pair_index_even_in_a_generic_plan(firms):
    """PostgreSQL: 华夏 and hx are below a trigram; their plan reads the character-pair indexes (migration
    c2d4e6f8a0b1), also as the generic plan of a kept prepared statement."""
    assert found("华夏") == {"聊城华夏钢铁有限公司"}
    if db.engine.dialect.name == "sqlite":
        return
    for q, index in [("华夏", "ix_enterprises_name_key_grams"), ("hx", "ix_enterprises_name_initials_grams"),
                     ("St", "ix_enterprises_name_en_grams")]:  # fmt: skip
        compiled = select(Enterprise.id).where(enterprise_search(q)).compile(db.engine)
        values: list = []

        def numbered(match, values=values, compiled=compiled) -> str:
            values.append(compiled.params[match.group(1)])
            return f"${len(values)}"

        sql = re.sub(r"%\((\w+)\)s(::[\w\[\]]+)?", numbered, compiled.string)
        db.session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text(f"PREPARE short_search AS {sql}"))
        arguments = ", ".join(
            "ARRAY[" + ", ".join(f"'{x}'" for x in v) + "]::text[]" if isinstance(v, list) else f"'{v}'"
            for v in values
        )
        plan = "\n".join(r[0] for r in db.session.execute(text(f"EXPLAIN EXECUTE short_search({arguments})")))
        assert index in plan, (q, plan)
        db.session.execute(text("DEALLOCATE short_search"))
    db.session.rollback()
