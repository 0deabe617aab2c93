"""Benchmark: the industry-chain pages at 100 chains × 50 nodes over 100,000 whitelist entries (issue 15).

The campaign is seeded as bench/pages.py seeds it (bench/seed_large.py, here with one contact log per entry: the
chain pages do not read the logs), then 100 chains of 5 links × 10 nodes are written with bulk inserts, a local
firm on 40 % of the nodes (a 链主 on every fifth), and 30 % of the entries tagged to a node at random. Each page is
requested in-process through the test client as a logged-in user: 2 warm-up requests, then 20 timed ones; the
median and p95 wall time and the SQL statements per request are printed and written to
bench/results/chains-<dialect>.json.

    .venv/bin/python bench/chains.py                                         # SQLite, a temporary file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/crm_chains .venv/bin/python bench/chains.py
    BENCH_ENTRIES=1000 .venv/bin/python bench/chains.py                      # a quick run
    … bench/chains.py --reuse                                                  # the database seeded before

Pages: the chain list (scores of all 100 chains, computed afresh; then kept for the TTL as served), a chain's gap analysis (50 nodes), a node with its candidates,
the API's chain detail, and the manager's dashboard with its chain card (its cache off, as in bench/pages.py)."""

import json
import os
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, update  # noqa: E402

from bench import seed_large  # noqa: E402
from bench.dashboard import Statements, fresh_schema, machine, measure  # noqa: E402
from config import TestConfig  # noqa: E402
from crm import create_app  # noqa: E402
from crm.api.tokens import create_token  # noqa: E402
from crm.auth.models import User  # noqa: E402
from crm.chains.models import Chain, ChainLink, ChainNode, NodeFirm  # noqa: E402
from crm.enterprises.models import Enterprise  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.refdata.models import Industry, Region  # noqa: E402
from crm.types import local_date, utcnow  # noqa: E402
from crm.vocab import Role  # noqa: E402
from crm.whitelist.models import WhitelistEntry  # noqa: E402

CHAINS, LINKS, NODES_PER_LINK = 100, 5, 10
TAGGED_SHARE, FIRM_SHARE = 0.3, 0.4
RESULTS = Path(__file__).resolve().parent / "results"


def seed_chains(rng: random.Random) -> None:
    """100 chains × 50 nodes, local firms on 40 % of the nodes, 30 % of the entries on a node (bulk writes)."""
    at = datetime(2026, 1, 5, tzinfo=UTC)
    industries = list(db.session.scalars(select(Industry.id).where(Industry.parent_id.isnot(None))))
    regions = list(db.session.scalars(select(Region.id)))
    enterprises = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id).limit(20_000)))
    chains, links, nodes, firms = [], [], [], []
    for c in range(1, CHAINS + 1):
        chains.append({"id": c, "name": f"基准产业链{c:03d}", "is_demo": False, "active": True, "sort": c,
                       "created_at": at, "updated_at": at, "version": 1})  # fmt: skip
        for k in range(LINKS):
            link_id = (c - 1) * LINKS + k + 1
            links.append({"id": link_id, "chain_id": c, "name": f"环节{k + 1}", "sort": k})
            for n in range(NODES_PER_LINK):
                node_id = (link_id - 1) * NODES_PER_LINK + n + 1
                nodes.append({"id": node_id, "chain_id": c, "link_id": link_id, "name": f"节点{k + 1}-{n + 1}",
                              "industry_id": rng.choice(industries), "sort": n})  # fmt: skip
                if rng.random() < FIRM_SHARE:
                    firms.append({"id": len(firms) + 1, "node_id": node_id, "enterprise_id": rng.choice(enterprises),
                                  "region_id": rng.choice(regions), "role": "leader" if n % 5 == 0 else "supplier",
                                  "created_at": at})  # fmt: skip
    with db.engine.begin() as conn:
        for model, rows in ((Chain, chains), (ChainLink, links), (ChainNode, nodes), (NodeFirm, firms)):
            seed_large._bulk(conn, seed_large._writable(conn, model), rows)
        seed_large._reset_sequences(conn, [m.__table__ for m in (Chain, ChainLink, ChainNode, NodeFirm)])
        # 30 % of the entries fill a node: a node is id % 5000 + 1, a deterministic spread.
        total = len(nodes)
        conn.execute(
            update(WhitelistEntry)
            .where(WhitelistEntry.id % 10 < int(TAGGED_SHARE * 10))
            .values(chain_node_id=WhitelistEntry.id % total + 1)
        )
    print(f"  chains {len(chains)}, links {len(links)}, nodes {len(nodes)}, local firms {len(firms)}")


def main() -> None:
    entries = int(os.environ.get("BENCH_ENTRIES", "100000"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/chains.db"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        dialect = db.engine.dialect.name
        print(f"== {entries:,} entries, {CHAINS} chains × {LINKS * NODES_PER_LINK} nodes: {dialect}")
        if "--reuse" in sys.argv and db.session.scalar(select(func.count()).select_from(Chain)) == CHAINS:
            print("  reusing the seeded database")
        else:
            fresh_schema()
            seed_large.seed(entries, entries, local_date(utcnow()), progress=lambda line: None)
            seed_chains(random.Random(15))
            seed_large.analyze()
        manager = db.session.scalar(select(User).where(User.role == Role.MANAGER).limit(1))
        chain_id = db.session.scalar(select(Chain.id).where(Chain.name == "基准产业链050"))
        gap_node = db.session.scalar(
            select(ChainNode.id).where(ChainNode.chain_id == chain_id).order_by(ChainNode.id).limit(1)
        )
        token = create_token(manager, "bench", utcnow())[1]
        tagged = db.session.scalar(select(func.count()).where(WhitelistEntry.chain_node_id.isnot(None)))
        manager_name = manager.username
        db.session.commit()
        counter = Statements(db.engine)
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == manager_name))
        user.set_password("bench-2026")
        db.session.commit()
    client.post("/auth/login", data={"username": manager_name, "password": "bench-2026"})
    pages = {
        "chain list (100 chains)": "/chains/",
        "chain page (50 nodes)": f"/chains/{chain_id}",
        "node with candidates": f"/chains/nodes/{gap_node}",
        "dashboard (manager)": "/dashboard/",
    }
    rows = {}
    for label, target in pages.items():
        row, _timed = measure(client, target, counter, 2, 20)
        rows[label] = row
        print(
            f"  {label:28s} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  {row['queries']} SQL"
        )
    # The chain list with its scores kept for the TTL (as served: the rows above compute them on every request).
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    row, _timed = measure(client, "/chains/", counter, 2, 20)
    rows["chain list, scores cached"] = row
    print(
        f"  {'chain list, scores cached':28s} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
        f"{row['queries']} SQL"
    )
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    row, _timed = measure(api, f"/api/v1/chains/{chain_id}", counter, 2, 20)
    rows["API chain detail"] = row
    print(
        f"  {'API chain detail':28s} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  {row['queries']} SQL"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"chains-{dialect}.json"
    out.write_text(json.dumps({"entries": entries, "tagged_entries": tagged, "chains": CHAINS,
                               "nodes": CHAINS * LINKS * NODES_PER_LINK, "machine": machine(), "pages": rows},
                              ensure_ascii=False, indent=2))  # fmt: skip
    print(f"written {out}")


if __name__ == "__main__":
    main()
