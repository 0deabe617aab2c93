"""Benchmark: validating (the dry run) and committing a 10,000-row import, against a database that already holds
--existing enterprises (their names are what the look-alike check compares with). Not part of `make test`.

    .venv/bin/python bench/imports.py [--rows 10000] [--existing 10000]

Set BENCH_DATABASE_URL to a scratch PostgreSQL database to run there. Prints the figures; docs/PERFORMANCE.md
records them."""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from config import TestConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.auth.models import User  # noqa: E402
from crm.demo import fictional_uscc  # noqa: E402
from crm.enterprises.models import Enterprise  # noqa: E402
from crm.enterprises.names import normalise_name, pinyin_initials  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.imports import services  # noqa: E402
from crm.imports.columns import auto_mapping  # noqa: E402
from crm.imports.reader import read_table  # noqa: E402
from crm.refdata.seed import seed_reference  # noqa: E402

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
WORDS = [
    "华夏",
    "东方",
    "齐鲁",
    "聊城",
    "水城",
    "运河",
    "鲁西",
    "泰山",
    "黄河",
    "凤凰",
    "金达",
    "宏图",
    "远航",
    "新源",
    "信发",
    "时风",
    "中通",
    "祥光",
    "鑫亚",
    "恒通",
]
TRADES = [
    "精密机械",
    "新能源科技",
    "生物制造",
    "铝材加工",
    "轴承制造",
    "汽车零部件",
    "绿色化工",
    "智能装备",
    "新材料",
    "低空科技",
]
COUNTIES = ["东昌府区", "茌平区", "阳谷县", "莘县", "东阿县", "冠县", "高唐县", "临清市"]
INDUSTRIES = [
    "装备制造",
    "新能源",
    "生物制造",
    "有色金属",
    "高端轴承",
    "汽车及零部件",
    "绿色化工",
    "未来材料",
]


def name(rng: random.Random, i: int) -> str:
    return f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(TRADES)}{i}号有限公司"


def workbook(rows: int, rng: random.Random) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("目标企业")
    sheet.append(
        ["企业名称", "统一社会信用代码", "所属产业", "企业类别", "目标县(市、区)", "计划总投资(万元)"]
    )
    for i in range(rows):
        sheet.append([name(rng, 100000 + i), fictional_uscc(rng, "371502"), rng.choice(INDUSTRIES),
                      rng.choice(["", "世界500强", "央企、行业领军企业", "瞪羚"]), "东昌府区", rng.randint(1000, 900000)])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def seed_existing(count: int, rng: random.Random, creator: int) -> None:
    batch = []
    for i in range(count):
        n = name(rng, i)
        batch.append({"name": n, "name_norm": normalise_name(n), "name_initials": pinyin_initials(n),
                      "uscc": None, "created_by_id": creator, "created_at": NOW, "updated_at": NOW, "version": 1})  # fmt: skip
        if len(batch) == 5000:
            db.session.execute(insert(Enterprise), batch)
            batch = []
    if batch:
        db.session.execute(insert(Enterprise), batch)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--existing", type=int, default=10_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    rng = random.Random(2026)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        seed_reference()
        manager = User(username="bench", full_name="基准测试", role="manager")
        manager.set_password("x")
        db.session.add(manager)
        db.session.commit()
        seed_existing(args.existing, rng, manager.id)
        data = workbook(args.rows, rng)
        started = time.perf_counter()
        table = read_table("bench.xlsx", data)
        read = time.perf_counter() - started
        started = time.perf_counter()
        plan = services.dry_run(manager, table, auto_mapping(table.headers), "proposals")
        checked = time.perf_counter() - started
        started = time.perf_counter()
        with app.test_request_context():
            batch = services.commit(manager, plan, "bench.xlsx", NOW, include_flagged=True)
            batch_id, batch_created = batch.id, batch.created_count
        committed = time.perf_counter() - started
        created = db.session.scalar(select(db.func.count()).select_from(Enterprise))
    dialect = url.split(":", 1)[0]
    print(f"database: {dialect}; file: {args.rows:,} rows ({len(data) / 2**20:.1f} MB .xlsx); "
          f"existing enterprises: {args.existing:,}")  # fmt: skip
    print(f"read .xlsx     {read:7.2f} s")
    print(f"dry run        {checked:7.2f} s  ({plan.count('create')} new, {plan.count('duplicate')} flagged, "
          f"{plan.count('reject')} rejected)")  # fmt: skip
    print(
        f"commit         {committed:7.2f} s  (batch {batch_id}: {batch_created} created; {created:,} on file)"
    )


if __name__ == "__main__":
    main()
