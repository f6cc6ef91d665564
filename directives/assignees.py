"""Who a task is given to, and in which role: the body that leads it (`chu_tri`: the item's or
sub-item's heading, "Cơ quan chủ trì/thực hiện:", "Giao …", "Đề nghị …", the subject of the
instruction, "X chủ trì") and the bodies that help (`phoi_hop`: "phối hợp với …",
"Cơ quan phối hợp:"). Generic catch-alls ("các sở, ban, ngành", "các cơ quan, đơn vị có liên
quan") are left out: nobody can be reminded by them."""

from __future__ import annotations

import re

from directives.document import Block, squash
from directives.text import LOWER_CHARS, UPPER_CHARS, fold, fold_key

_U, _L = UPPER_CHARS, LOWER_CHARS

_HEAD_WORDS = (
    r"uy ban|ubnd|ubmttq|mttq|hdnd|hoi dong|thuong truc|van phong|cong an|trung tam|"
    r"hieu truong|pho hieu truong|truong|pho truong|chu tich|pho chu tich|bi thu|pho bi thu|"
    r"giam doc|pho giam doc|thu truong|bo truong|lanh dao|nguoi dung dau|"
    r"doan thanh nien|doan|chi doan|ban chi huy|bo chi huy|mat tran|dang uy|chi bo|bo phan|"
    r"can bo|cong chuc|to truong|cum truong|khoi truong|so|bo|ban|phong|dai|tram|hoi|"
    r"tieu ban|to cong tac|to|cuc|chi cuc|tong cuc|kho bac|bao hiem xa hoi|thue|benh vien|"
    r"toa an|vien kiem sat|lien doan|tinh doan|thanh doan|tinh uy|thanh uy|huyen uy|"
    r"thong tan xa|bao|cong thong tin|cong ttdt|ngan hang|tap doan|tong cong ty|cong ty|"
    r"vien|hoc vien|nha xuat ban|ubkt|uy ban kiem tra|hoi lien hiep|hoi cuu chien binh|"
    r"hoi nong dan|hoi phu nu|ban quan ly|ban chi dao|ban thuong vu|ban tuyen giao|"
    r"ban dan van|ban to chuc|chinh quyen|"
    r"cac\s+(?:bo|so|ban|phong|xa|phuong|tinh uy|thanh uy|dang uy|doanh nghiep|truong|hoi|doan|"
    r"tram|thon|to dan pho|uy ban|ubnd|tap doan|tong cong ty|cong ty|co so giao duc|chi bo)"
)
_ENTITY_START = re.compile(rf"(?i)(?:{_HEAD_WORDS})\b")
_CATCH_ALL = re.compile(
    r"(?i)^(?:(?:thu truong|lanh dao|nguoi dung dau|chu tich|giam doc)\s+)?"
    r"(?:cac|tat ca|toan the|nhung|moi)?\s*(?:cac\s+)?"
    r"(?:co quan|don vi|dia phuong|nganh|cap|to chuc|so\s*,|so\s+nganh|bo\s*,|ban\s*,|"
    r"bo\s+nganh|phong\s*,|phong\s+ban|doan the|ca nhan|tap the|thanh vien|lien quan)"
)
_CLASS_OK = re.compile(
    r"(?i)^(?:(?:chu tich|thu truong|lanh dao)\s+)?(?:uy ban nhan dan|ubnd|hdnd|hoi dong nhan dan|"
    r"ban cong tac mat tran|truong thon|truong ban|bi thu|to truong|hieu truong)\b"
)
# Words that end the name of a body: what it is asked to do, or how.
_VERBS = (
    "chu tri|phoi hop|huong dan|theo doi|don doc|tham muu|thuc hien|trien khai|to chuc|"
    "xay dung|co ke hoach|co trach nhiem|chiu trach nhiem|can cu|day manh|tang cuong|"
    "kiem tra|tong hop|bao cao|ra soat|phu trach|quan triet|tuyen truyen|lua chon|chi dao|"
    "giup|nghien cuu|de xuat|tiep tuc|phai|khan truong|chu dong|quan tam|hoan thanh|gui|"
    "lap|phat dong|van dong|cap nhat|bo tri|dam bao|bao dam|dang tai|mo|duy tri|phan cong|"
    "huong ung|nam|thong bao|tiep nhan|tham dinh|giam sat|xet|binh xet|de nghi|cung cap|"
    "ho tro|nang cao|chuan bi|dieu tra|thong ke|phat hien|cu|dang ky|ban hanh|soan thao|lam|"
    "la|se|duoc|thuong xuyen|kip thoi|sap xep|tap trung|rut kinh nghiem|xu ly|khac phuc|"
    "ung pho|bo sung|sua doi|dieu chinh|quyet liet|nghiem tuc|thuc thi|chuan hoa|cong bo|"
    "phe duyet|trinh|tich cuc|tham gia|ap dung|day nhanh|uu tien|khong|chua|moi|dong thoi|"
    "tiep nhan|danh gia|so ket|tong ket|tu chuc|chiu|bo tri|cu can bo|tra loi|theo|"
    "dang|tra cuu|truyen thong|phan anh|xac dinh|chon|su dung|giai quyet|tao|mua|xem xet"
)
_VERB_AT = re.compile(rf"\s+(?:{_VERBS})\b")
_LABEL = re.compile(
    r"(?i)^\s*(?:co quan|don vi|bo phan|trach nhiem)\s*(chu tri|thuc hien|phoi hop|"
    r"chiu trach nhiem|chu tri thuc hien|thuc hien chinh|tham muu)?(?:\s+thuc hien)?\s*:\s*"
)
_INTRO = re.compile(
    r"(?i)^\s*(?:giao(?:\s+cho|\s+nhiem vu cho)?|de nghi|yeu cau|phan cong|doi voi)\s+"
)
_PARTNERS = re.compile(r"(?i)\bphoi hop(?:\s+chat che)?\s+(?:voi|cung)\s+")


def _strip(text: str) -> str:
    text = squash(text).strip(' ,;:.-–*_"“”')
    text = re.sub(r"\s*\((?:chủ trì|chu tri|cơ quan chủ trì)\)\s*$", "", text, flags=re.I)
    return text


def is_catch_all(name: str) -> bool:
    f = fold(name).strip()
    if _CLASS_OK.match(f):
        return False
    return bool(_CATCH_ALL.match(f))


# Folding makes "Bản tin" look like "Ban", "Số liệu" like "Sở": where the text has its
# diacritics, the head word must be written as a body's name is.
_HEAD_EXACT = re.compile(
    r"(?i)(?:sở|bộ|ban|phòng|đài|trạm|hội|tổ|đoàn|báo|viện|trường|trưởng|cục|các|tiểu ban|thuế)\b"
)
_AMBIGUOUS = re.compile(
    r"(?i)(?:so|bo|ban|phong|dai|tram|hoi|to|doan|bao|vien|truong|cuc|cac|thue)\b"
)


def _is_entity(name: str) -> bool:
    if not name or name[0] not in _U or len(name) > 170:
        return False
    f = fold(name)
    m = _ENTITY_START.match(f)
    if not m or re.match(r"(?i)cac\s+(?:noi dung|nhiem vu|chuyen de|hoat dong|van ban)", f):
        return False
    if _AMBIGUOUS.fullmatch(f[: m.end()]) and name[: m.end()] != f[: m.end()]:
        return bool(_HEAD_EXACT.fullmatch(name[: m.end()]))
    return True


_SHARED_PREFIX = re.compile(
    r"(?i)(?:(bo truong|giam doc|chu tich|thu truong)\s+)?cac\s+(bo|so|ban)\s*:\s*"
)


def _split_units(text: str) -> list[str]:
    """'Sở Y tế, Sở Giáo dục và Đào tạo' → two; 'Sở Văn hóa, Thể thao và Du lịch' stays one."""
    text = _strip(text)
    f = fold(text)
    # "các Bộ: Nông nghiệp và Môi trường; Xây dựng" → "Bộ Nông nghiệp và Môi trường", "Bộ Xây dựng".
    m = _SHARED_PREFIX.match(f)
    if m:
        role = (text[m.start(1) : m.end(1)] + " ") if m.group(1) else ""
        head = text[m.start(2) : m.end(2)]
        head = head[:1].upper() + head[1:].lower()
        rest = re.split(r"\s*[;,]\s*|\s+và\s+(?=[" + _U + "])", text[m.end() :])
        return [f"{role}{head} {r.strip()}" for r in rest if r.strip()]
    cuts = [0]
    for sep in re.finditer(r"\s*[;,]\s*|\s+(?:va|cung)\s+", f):
        nxt = f[sep.end() :]
        if "va" in f[sep.start() : sep.end()] and (
            is_catch_all(text[sep.end() :])
            or re.match(r"(?i)(?:van phong|thuong truc)\b", f[cuts[-1] :])
        ):
            continue
        if (
            _ENTITY_START.match(nxt)
            and text[sep.end() : sep.end() + 1] in _U
            and not re.match(r"(?i)(?:cac|so|bo|ban|phong)\b\s*[,;]", nxt)
        ):
            cuts.append(sep.start())
            cuts.append(sep.end())
    cuts.append(len(text))
    parts = [text[cuts[i] : cuts[i + 1]] for i in range(0, len(cuts) - 1, 2)]
    return [p for p in (_strip(p) for p in parts) if p]


def _name_before_verb(text: str) -> str | None:
    """The body named at the start of `text`, up to the verb that tells what it does."""
    if text[:4] in ("các ", "Các "):
        text = "C" + text[1:]
    if not text or text[0] not in _U:
        return None
    f = fold(text)
    colon = f.find(":")
    if _SHARED_PREFIX.match(f):
        colon = -1
    m = _VERB_AT.search(f)
    ends = [e for e in (colon if 0 < colon < 170 else -1, m.start() if m else -1) if e > 0]
    if not ends:
        return None
    name = text[: min(ends)]
    name = re.sub(r"[\s,]+(?:và|cùng)?\s*$", "", name)
    return name if _is_entity(name) else None


class Assignees:
    """Collects the bodies of one task, in order, without duplicates."""

    def __init__(self) -> None:
        self.leads: list[dict[str, object]] = []
        self.partners: list[dict[str, object]] = []
        self._keys: set[str] = set()

    def add(self, text: str, role: str) -> None:
        for name in _split_units(text):
            if not _is_entity(name) or is_catch_all(name):
                continue
            key = fold_key(name)
            if key in self._keys:
                continue
            self._keys.add(key)
            entry: dict[str, object] = {"name": name, "role": role}
            (self.partners if role == "phoi_hop" else self.leads).append(entry)

    def read_sentence(self, sentence: str, heading: bool = False) -> None:
        s = squash(sentence).lstrip("-–+•* ").strip()
        if not s:
            return
        f = fold(s)
        lm = _LABEL.match(f)
        if lm:
            role = "phoi_hop" if (lm.group(1) or "").lower() == "phoi hop" else "chu_tri"
            rest = s[lm.end() :]
            self._read_subject(rest, role, labelled=True)
            return
        im = _INTRO.match(f)
        if im:
            self._read_subject(s[im.end() :], "chu_tri")
            return
        if heading and len(s) < 170 and _is_entity(s) and not _VERB_AT.search(fold(s)):
            self.add(s, "chu_tri")
            return
        self._read_subject(s, "chu_tri")

    def _read_subject(self, s: str, role: str, labelled: bool = False) -> None:
        f = fold(s)
        pm = _PARTNERS.search(f)
        if labelled and role == "phoi_hop":
            self.add(re.split(r"[.;]\s", s)[0], "phoi_hop")
            return
        if labelled:
            head = s[: pm.start()] if pm else s
            head = re.split(r"(?i)\s+chủ trì\b|\s+chu tri\b|\.\s", head)[0]
            self.add(head, role)
        else:
            name = _name_before_verb(s)
            if name:
                self.add(name, role)
        if pm:
            tail = s[pm.end() :]
            tf = fold(tail)
            stop = re.search(rf"\s+(?:{_VERBS})\b(?!\s*,)|[.:;]|\s+(?:va|cung) cac\b", tf)
            self.add(tail[: stop.start()] if stop else tail[:160], "phoi_hop")


def find_assignees(blocks: list[Block]) -> Assignees:
    """The bodies a task's blocks name: the item's heading, then every sub-item and bullet."""
    found = Assignees()
    for k, b in enumerate(blocks):
        text = b.text
        first = re.split(rf"(?<=[.!?])\s+(?=[{_U}])", text, maxsplit=1)[0]
        heading = k == 0 or b.kind in ("letter", "decimal")
        if heading:
            cm = re.match(r"([^:]{3,170}):", text)
            if cm and _is_entity(_strip(cm.group(1))) and not _LABEL.match(fold(text)):
                found.add(cm.group(1), "chu_tri")
                rest = text[cm.end() :].strip()
                if rest:
                    found.read_sentence(rest)
                continue
        found.read_sentence(first, heading=heading)
        for sentence in re.split(rf"(?<=[.!?;])\s+(?=[{_U}])", text)[1:]:
            if _INTRO.match(fold(sentence)) or _LABEL.match(fold(sentence)):
                found.read_sentence(sentence)
    return found
