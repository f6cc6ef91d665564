"""The award catalogue as law-true data: for every nominee kind, what is offered and what is
refused, each with its legal basis; province differences as data; the `awards list` contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from storage.awards import CatalogueError, catalogue

pytestmark = pytest.mark.nodb

LDTT, CSTDCS, CSTD_TINH = "lao_dong_tien_tien", "chien_si_thi_dua_co_so", "chien_si_thi_dua_tinh"
TTLDTT, TTLDXS = "tap_the_lao_dong_tien_tien", "tap_the_lao_dong_xuat_sac"
GIAY_KHEN, BANG_KHEN = "giay_khen_chu_tich_xa", "bang_khen_chu_tich_tinh"
GDVH, THON_VH, NTVT = "gia_dinh_van_hoa", "thon_to_dan_pho_van_hoa", "nguoi_tot_viec_tot"
EVERY = {LDTT, CSTDCS, CSTD_TINH, TTLDTT, TTLDXS, GIAY_KHEN, BANG_KHEN, GDVH, THON_VH, NTVT}
FORMS = {GIAY_KHEN, BANG_KHEN, NTVT}

# nominee kind → what a single nomination may propose (everything else is refused)
OFFERED = {
    "can_bo": {LDTT, CSTDCS, CSTD_TINH} | FORMS,
    "nguoi_dan": FORMS,
    "hoc_sinh": FORMS,
    "ho_gia_dinh": FORMS,  # "Gia đình văn hóa" goes through the village meeting's list
    "co_quan_don_vi": {TTLDTT, TTLDXS} | FORMS,
    "thon_to_dan_pho": {THON_VH} | FORMS,
    "chi_hoi_doan_the": FORMS,
}
# award → the article that says who receives it or who grants it (a fragment of legal_basis)
BASIS = {
    LDTT: "Điều 80 khoản 3",
    CSTDCS: "Điều 80 khoản 2",
    TTLDTT: "Điều 80 khoản 2",
    GIAY_KHEN: "Điều 80 khoản 3",
    GDVH: "Nghị định 86/2023/NĐ-CP",
    THON_VH: "Nghị định 86/2023/NĐ-CP",
    CSTD_TINH: "Điều 22",
    TTLDXS: "Điều 27",
    BANG_KHEN: "Điều 72",
    NTVT: "Không phải danh hiệu",
}


@pytest.mark.parametrize("kind", sorted(OFFERED))
def test_each_nominee_kind_is_offered_what_the_law_gives_it_and_refused_the_rest(
    kind: str,
) -> None:
    cat = catalogue()
    offered = {a.key for a in cat.offered(kind)}
    refused = {a.key for a in cat.refused(kind)}
    assert offered == OFFERED[kind]
    assert refused == EVERY - OFFERED[kind]
    for award in cat.refused(kind):
        assert award.legal_basis, award.key
        # a refused title says why, in both languages
        if award.kind == "title":
            assert award.raw["refused_note_vi"] and award.raw["refused_note_en"], award.key


def test_every_entry_cites_its_legal_basis_and_says_how_sure_it_is() -> None:
    cat = catalogue()
    assert {a.key for a in cat.awards} == EVERY
    for award in cat.awards:
        text = " ".join(b["text"] for b in award.legal_basis)
        assert BASIS[award.key] in text, award.key
        for basis in award.legal_basis:
            assert basis["checked"] in ("text", "quoted", "memory", "inferred"), award.key
            # what was read names where it was read
            if basis["checked"] in ("text", "quoted"):
                assert basis.get("source", "").startswith("http"), award.key


def test_who_grants_after_the_reform() -> None:
    cat = catalogue()
    commune = {a.key for a in cat.awards if a.granted_by == "commune_chair"}
    assert commune == {LDTT, CSTDCS, TTLDTT, GIAY_KHEN, GDVH, THON_VH}
    assert {a.key for a in cat.awards if cat.upward(a.key)} == {CSTD_TINH, TTLDXS, BANG_KHEN}
    assert cat.award(NTVT) is not None and cat.award(NTVT).granted_by == "commune_own"  # type: ignore[union-attr]


def test_cstdcs_rests_on_the_same_rounds_ldtt_and_an_initiative() -> None:
    award = catalogue().award(CSTDCS)
    assert award is not None
    prior = award.condition("prior")
    assert prior is not None and prior.award == LDTT and prior.times == 1
    assert award.condition("initiative") is not None
    provincial = catalogue().award(CSTD_TINH)
    assert provincial is not None and provincial.condition("prior").times == 3  # type: ignore[union-attr]


def test_ad_hoc_is_a_kind_of_achievement_on_a_giay_khen_not_a_form() -> None:
    cat = catalogue()
    assert cat.award("khen_thuong_dot_xuat") is None
    giay_khen = cat.award(GIAY_KHEN)
    assert giay_khen is not None and "dot_xuat" in giay_khen.achievement_types


def test_nominee_kinds_follow_the_nominators_unit() -> None:
    cat = catalogue()
    village = {k.key for k in cat.kinds_for_unit("village")}
    school = {k.key for k in cat.kinds_for_unit("school")}
    assert village == {"nguoi_dan", "ho_gia_dinh", "thon_to_dan_pho", "chi_hoi_doan_the"}
    assert school == {"can_bo", "hoc_sinh", "co_quan_don_vi", "chi_hoi_doan_the"}


def test_a_province_file_changes_only_what_differs(tmp_path: Path) -> None:
    (tmp_path / "default.yaml").write_text(
        Path("storage/data/awards/default.yaml").read_text("utf-8"), "utf-8"
    )
    (tmp_path / "38.yaml").write_text(
        "remove: [bang_khen_chu_tich_tinh]\n"
        "awards:\n  nguoi_tot_viec_tot: {cycle: thematic}\n"
        "ratio_caps:\n"
        "  - {award: chien_si_thi_dua_co_so, of: lao_dong_tien_tien, max_percent: 15}\n",
        "utf-8",
    )
    own = catalogue("38", tmp_path)
    assert own.award(BANG_KHEN) is None and own.award(NTVT).cycle == "thematic"  # type: ignore[union-attr]
    cap = own.cap(CSTDCS)
    assert cap is not None and (cap.of, cap.max_percent) == (LDTT, 15)
    assert catalogue("01", tmp_path).cap(CSTDCS) is None
    (tmp_path / "40.yaml").write_text("awards:\n  no_such_award: {cycle: yearly}\n", "utf-8")
    with pytest.raises(CatalogueError):
        catalogue("40", tmp_path)


def test_awards_list_json_contract() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["awards", "list", "--province", "Thanh Hoa", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    for row in rows:
        keys = {"key", "label", "recipients", "granted_by", "cycle", "conditions", "legal_basis"}
        assert keys <= set(row)
    by_key = {row["key"]: row for row in rows}
    assert by_key[LDTT]["recipients"] == ["can_bo"]
    assert by_key[GDVH]["recipients"] == ["ho_gia_dinh"]
    assert [c["check"] for c in by_key[CSTDCS]["conditions"]] == ["prior", "initiative", "ratio"]
    unknown = runner.invoke(cli, ["awards", "list", "--province", "Atlantis"])
    assert unknown.exit_code != 0
