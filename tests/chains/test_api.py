"""/api/v1/chains: the scores as the chain list shows them, and a chain's nodes gaps first with the targets named
only where the caller may open them."""

from tests.api.conftest import api, token_for  # noqa: F401


def test_the_chain_api_gives_the_scores_and_the_gaps_in_scope(chain_world, api):  # noqa: F811
    p, chain, nodes, entries, _library = chain_world
    listed = api(p["member"]).get("/api/v1/chains").get_json()
    assert [c["name"] for c in listed["items"]] == ["有色金属精深加工（铝）"]
    assert listed["items"][0]["score"] == {"nodes": 4, "covered": 1, "targeted": 1, "gaps": 2, "filled_this_year": 0,
                                           "leaders": 1, "value": 38}  # fmt: skip
    assert listed["items"][0]["regions"] == [{"id": chain.regions[0].region_id, "name": "茌平区"}]
    detail = api(p["member"]).get(f"/api/v1/chains/{chain.id}").get_json()
    assert [n["status"] for n in detail["nodes"]] == ["gap", "gap", "targeted", "covered"]
    sheet = next(n for n in detail["nodes"] if n["name"] == "铝板带箔")
    assert sheet["targets_total"] == 2 and [t["id"] for t in sheet["targets"]] == [entries["nanshan"].id]
    alumina = next(n for n in detail["nodes"] if n["name"] == "氧化铝")
    assert (
        alumina["firms"][0]["role"] == "leader"
        and alumina["firms"][0]["enterprise"]["name"] == "信发集团有限公司"
    )
    assert api(p["member"]).get("/api/v1/chains/999999").status_code == 404
