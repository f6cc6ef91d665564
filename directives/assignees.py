"""Who a task is given to, and in which role.

`chu_tri` (the body that owes the task): an item's or sub-item's heading that names a body
("1. Sở Y tế:", "**3. Cục Điện ảnh, Cục Du lịch**", "1.1. Trưởng Ban Chỉ đạo"), a label ("Cơ quan
chủ trì: …", "Đơn vị thực hiện: …"), the body after "Giao" / "Đề nghị" / "Yêu cầu", and the subject
of an instruction ("Bộ Công an huy động …", "Trên cơ sở …, Ủy ban nhân dân các xã căn cứ …"),
also of a clause after ";"; classes of local units ("Các thôn:", "các thôn, tổ dân phố" → one
each); a commune's own "các ban, ngành, đoàn thể xã"; roles in lower case where a body is
expected ("Giao công chức văn hóa xã …"). A subject whose own part is to "phối hợp", where nobody
in its sentence "chủ trì", owes the task in that role (`phoi_hop`, among the leads).
`phoi_hop` (bodies that help and owe nothing): "phối hợp với …", "Đơn vị phối hợp: …".

A body's name runs from its head word (Sở, Ban, Ủy ban nhân dân, Chủ tịch…) to the verb that says
what it does; verbs are matched with their diacritics where the text has them (so "Đảng ủy" is
not cut at "đang"), on folded text where a copy lost them. Generic catch-alls ("các sở, ban,
ngành", "các cơ quan, đơn vị có liên quan") are left out: nobody can be reminded by them.
"""

from __future__ import annotations

import difflib
import functools
import re

from directives.document import Block, squash
from directives.text import LOWER_CHARS, UPPER_CHARS, fold, fold_key

_U, _L = UPPER_CHARS, LOWER_CHARS


def _words(spec: str) -> list[str]:
    return [w.strip() for w in spec.split("|") if w.strip()]


# Heads of bodies and of the people who lead them, lower case, with their diacritics.
_TITLES = _words(
    "phó chủ tịch|chủ tịch|phó giám đốc|giám đốc|tổng giám đốc|thủ trưởng|bộ trưởng|thứ trưởng|"
    "hiệu trưởng|phó hiệu trưởng|bí thư|phó bí thư|chánh văn phòng|người đứng đầu|lãnh đạo|"
    "cục trưởng|vụ trưởng|chi cục trưởng|trưởng ban|phó trưởng ban|trưởng phòng|phó trưởng phòng|"
    "trưởng thôn|trưởng ấp|trưởng bản|tổ trưởng|cụm trưởng|khối trưởng|trưởng tiểu ban|"
    "phó trưởng tiểu ban|trưởng đoàn|trưởng khu phố|trưởng|phó trưởng|chỉ huy trưởng|"
    "công chức|cán bộ|chủ nhiệm|tổng biên tập|giám đốc sở|giáo viên chủ nhiệm|"
    "tổng phụ trách đội|tổ trưởng chuyên môn|giáo viên|nhân viên|kế toán|văn thư|thủ quỹ|"
    "trưởng bản|trưởng làng|trưởng xóm|trưởng khóm|tổ trưởng tổ dân phố"
)
_BODIES = _words(
    "ủy ban nhân dân|uỷ ban nhân dân|ubnd|ủy ban mặt trận|uỷ ban mặt trận|ubmttq|ủy ban|uỷ ban|"
    "mặt trận|mttq|hội đồng nhân dân|hđnd|hội đồng|ban thường trực|thường trực|ban thường vụ|"
    "văn phòng|công an|trung tâm|tiểu ban|chi cục|tổng cục|cục|sở|bộ phận|bộ chỉ huy|bộ|"
    "ban chỉ huy|ban chỉ đạo|ban quản lý|ban công tác mặt trận|ban|phòng|đài|trạm|hội liên hiệp|"
    "hội|tổ|chi đoàn|đoàn thanh niên|đoàn|vụ|học viện|viện kiểm sát|viện|trường|kho bạc|"
    "bảo hiểm xã hội|thuế|bệnh viện|tòa án|toà án|liên đoàn|tỉnh đoàn|thành đoàn|tỉnh ủy|tỉnh uỷ|"
    "thành ủy|thành uỷ|huyện ủy|đảng ủy|đảng uỷ|đảng bộ|chi bộ|thông tấn xã|báo|cổng thông tin|"
    "ngân hàng|tập đoàn|tổng công ty|công ty|nhà xuất bản|ủy ban kiểm tra|ubkt|chính quyền|"
    "cấp ủy|cấp uỷ|ban tuyên giáo|ban dân vận|ban tổ chức|ban bí thư|bộ chính trị|chính phủ|"
    "thủ tướng chính phủ|thủ tướng|hợp tác xã|ban quản lý rừng|công đoàn|liên đội|chi hội|"
    "ban giám hiệu|ban đại diện cha mẹ học sinh|hội cha mẹ học sinh|liên chi đoàn|đoàn thể|"
    "thôn|bản|ấp|làng|xóm|buôn|sóc|khóm|khu phố|tổ dân phố|khu dân cư|lớp|tổ chuyên môn"
)
# Head words that are also common words ("Phòng ngừa", "Bộ tiêu chí", "Ban hành", "Hội nghị",
# "Tổ chức", "Trường hợp", "Báo cáo"): a body only before a name (a capital), before "các", or
# before one of the words bodies of that kind are named with.
_AMBIGUOUS = set(
    _words(
        "sở|bộ|ban|phòng|đài|trạm|hội|tổ|đoàn|báo|viện|trường|cục|vụ|thuế|trung tâm|hội đồng|"
        "thôn|bản|ấp|làng|xóm|buôn|sóc|khóm|khu phố|tổ dân phố|khu dân cư|lớp|tổ chuyên môn"
    )
)
_AMBIGUOUS_F = {fold(a) for a in _AMBIGUOUS}
_COMPLEMENTS = _words(
    "chỉ đạo|chỉ huy|quản lý|công tác|thường trực|thường vụ|chấp hành|kiểm tra|giám sát|"
    "tuyên giáo|dân vận|tổ chức|xây dựng|chuyên môn|nghiệp vụ|điều hành|bầu cử|dân phố|dân cư|"
    "tự quản|liên ngành|thanh tra|thi đua|văn hóa|văn hoá|y tế|giáo dục|kinh tế|tư pháp|nội vụ|"
    "tài chính|tài nguyên|nông nghiệp|lao động|thanh niên|phụ nữ|nông dân|cựu chiến binh|"
    "người cao tuổi|chữ thập đỏ|khuyến học|biên tập|an ninh|hòa giải|hoà giải|truyền thanh|"
    "phát thanh|truyền hình|bảo vệ|vận động|mầm non|tiểu học|trung học|phổ thông|cao đẳng|"
    "đại học|chính trị|kiểm lâm|quân sự|công an|thông tin|kế hoạch|tiếp công dân|một cửa|"
    "nhân dân|đại biểu|pháp chế|thường trực hội đồng|chuyên trách|cơ sở|địa phương|các"
)
# Verbs that say what a body is asked to do; a name ends before them.
_VERBS = _words(
    "chủ trì|phối hợp|hướng dẫn|theo dõi|đôn đốc|tham mưu|thực hiện|triển khai|tổ chức|xây dựng|"
    "có kế hoạch|có trách nhiệm|chịu trách nhiệm|căn cứ|đẩy mạnh|tăng cường|kiểm tra|tổng hợp|"
    "báo cáo|rà soát|phụ trách|quán triệt|tuyên truyền|lựa chọn|chỉ đạo|giúp|nghiên cứu|đề xuất|"
    "tiếp tục|khẩn trương|chủ động|quan tâm|hoàn thành|gửi|lập|phát động|vận động|cập nhật|bố trí|"
    "đảm bảo|bảo đảm|đăng tải|mở|duy trì|phân công|hưởng ứng|nắm|thông báo|tiếp nhận|thẩm định|"
    "giám sát|xét|bình xét|đề nghị|cung cấp|hỗ trợ|nâng cao|chuẩn bị|điều tra|thống kê|phát hiện|"
    "cử|đăng ký|ban hành|soạn thảo|làm|sắp xếp|tập trung|rút kinh nghiệm|xử lý|khắc phục|ứng phó|"
    "bổ sung|sửa đổi|điều chỉnh|thực thi|chuẩn hóa|công bố|phê duyệt|trình|tích cực|tham gia|"
    "áp dụng|đẩy nhanh|ưu tiên|đánh giá|sơ kết|tổng kết|trả lời|tra cứu|phản ánh|xác định|chọn|"
    "sử dụng|giải quyết|tạo|mua|xem xét|huy động|niêm yết|tiến hành|kêu gọi|cân đối|quyết định|"
    "biểu dương|tuyên dương|thành lập|kiện toàn|phổ biến|lồng ghép|nghiêm túc|kịp thời|"
    "thường xuyên|quyết liệt|chăm lo|vận hành|cụ thể hóa|cụ thể hoá|biên soạn|phát hành|"
    "cấp|kiểm kê|điều phối|sửa chữa|dọn dẹp|rà|giao|yêu cầu|chấp hành|nhân rộng|vinh danh|"
    "trao|in|tiếp xúc|tiếp đón|đón|thăm|làm việc|cần|phải|nên|khẩn cấp|sớm|ngay|"
    "quản lý|đăng|kiểm soát|hoàn thiện|rà soát|số hóa|tiếp|thu thập|lấy ý kiến|lãnh đạo|"
    "tuần tra|bình chọn|động viên|kết nạp|xác minh|hòa giải|vệ sinh|chăm sóc|tặng|ra quân|"
    "nhắc nhở|luyện tập|chọn|giữ gìn|sơ cứu|trồng|dự thi"
)
# Words that end a name without giving an instruction ("Sở Tài chính là cơ quan…", "… đã").
_STOPS = _words(
    "đã|đang|sẽ|được|có|là|không|vẫn|luôn|trong|theo|tại|để|nhằm|khi|nếu|về|thì|mà|bằng|qua|"
    "từ|đến|vào|trước|sau|đối với|với|cho|gồm|bao gồm|như|cùng|và các|của mình|nơi|ở"
)
# The units under a commune or ward, named as a class ("các thôn, tổ dân phố").
_LOCAL_CLASSES = _words(
    "thôn|bản|ấp|làng|xóm|buôn|sóc|khóm|khu phố|tổ dân phố|khối phố|khu dân cư|cụm dân cư"
)
# Bodies named only as a class ("các doanh nghiệp viễn thông", "các cơ sở giáo dục").
_PLURAL_ONLY = _words(
    "doanh nghiệp|cơ sở giáo dục|hợp tác xã|nhà trường|trường học|tổ chức thành viên|"
    f"{'|'.join(_LOCAL_CLASSES)}|trường|lớp|tổ chuyên môn|đoàn thể|tổ chức chính trị - xã hội|"
    "đoàn thể chính trị - xã hội|chi hội|chi bộ"
)
_PLURAL_SET = set(_PLURAL_ONLY)
_PLURAL_SET_F = {fold(w) for w in _PLURAL_ONLY}
_TITLE_RE = "|".join(sorted(map(re.escape, _TITLES), key=len, reverse=True))
_BODY_RE = "|".join(sorted(map(re.escape, _BODIES), key=len, reverse=True))
_PLURAL_RE = "|".join(sorted(map(re.escape, _PLURAL_ONLY), key=len, reverse=True))
_HEADS = [
    re.compile(rf"(?:(?:{_TITLE_RE})\s+)?các\s+(?:{_PLURAL_RE})(?=\W|$)"),
    re.compile(rf"(?:(?:{_TITLE_RE})\s+)?(?:các\s+)?(?:{_BODY_RE})(?=\W|$)"),
    re.compile(rf"(?:{_TITLE_RE})(?=\W|$)"),
]
_HEADS_F = [re.compile(fold(h.pattern)) for h in _HEADS]
_TITLE_PREFIX = re.compile(rf"(?:{_TITLE_RE})\s+(?:các\s+)?")
_TITLE_PREFIX_F = re.compile(fold(_TITLE_PREFIX.pattern))


_COMPLEMENT_RE = re.compile(
    "(?:" + "|".join(sorted(map(re.escape, _COMPLEMENTS), key=len, reverse=True)) + r")(?=\W|$)"
)
_COMPLEMENT_F = re.compile(fold(_COMPLEMENT_RE.pattern))


def _alternation(words: list[str]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


# Lower-case words only: "Sở Xây dựng" is a name, "xây dựng" a verb.
_VERB_RE = re.compile(rf"\s(?:({_alternation(_VERBS)})|{_alternation(_STOPS)})(?=[\s,.;:]|$)")
_VERB_F = re.compile(fold(_VERB_RE.pattern))
_MARKED = re.compile(r"[à-ỹđĐÀ-Ỹ]")

_CATCH_ALL = re.compile(
    r"(?i)^(?:(?:thu truong|lanh dao|nguoi dung dau|chu tich|giam doc)\s+)?"
    r"(?:cac|tat ca|toan the|nhung|moi|tung)?\s*(?:cac\s+)?"
    r"(?:co quan|don vi|dia phuong|nganh|cap|to chuc|so\s*,|so\s+nganh|bo\s*,|ban\s*,|"
    r"phong chuyen mon|co quan chuyen mon|ban nganh|"
    r"bo\s+nganh|phong\s*,|phong\s+ban|doan the|ca nhan|tap the|thanh vien|lien quan|"
    r"(?:can bo|cong chuc|vien chuc|nguoi lao dong|dang vien|hoi vien|doan vien)\s*,)"
)
# A class of local units resolves to units ("UBND các xã", "Trưởng thôn các thôn"); "các tổ chức
# thành viên của MTTQ phường" names whose members they are.
_CLASS_OK = re.compile(
    r"(?i)^(?:(?:chu tich|thu truong|lanh dao)\s+)?(?:uy ban nhan dan|ubnd|hdnd|hoi dong nhan dan|"
    r"ban cong tac mat tran|truong thon|truong ban|bi thu|to truong|hieu truong)\b"
    r"|^cac\s+(?:to chuc|co quan|don vi)\s+thanh vien\s+cua\s+[A-Z]"
)
# A commune's or ward's own departments and mass organisations, named as a class: they are its
# units ("các ban, ngành, đoàn thể xã", "các đoàn thể chính trị - xã hội phường"), unlike a
# province's "các sở, ban, ngành".
_LOCAL_ORGS = re.compile(
    r"(?i)^cac\s+(?:ban\s*,\s*nganh\s*,\s*(?:mat tran\s*,\s*)?|to chuc\s+|nganh\s*,\s*)?"
    r"(?:doan the|to chuc|ban nganh|chi hoi|hoi)\b[^,;:]{0,60}?\s(?:xa|phuong|thi tran|dac khu)$"
)
# A leader's title with no body after it ("Bộ trưởng, Thủ trưởng cơ quan ngang bộ").
_BARE_TITLE = re.compile(
    r"(?:pho\s+)?(?:bo truong|thu truong|giam doc|chu tich|truong ban|lanh dao|nguoi dung dau|"
    r"cuc truong|vu truong|truong phong|bi thu)\s*$"
)
_LABEL = re.compile(
    r"(?i)^\s*(?:co quan|don vi|bo phan|trach nhiem)\s*(chu tri|thuc hien|phoi hop|"
    r"chiu trach nhiem|chu tri thuc hien|thuc hien chinh|tham muu)?(?:\s+thuc hien)?\s*:\s*"
)
_INTRO_F = re.compile(
    r"(?i)^\s*(?:giao(?:\s+cho|\s+nhiem vu cho)?|de nghi|yeu cau|phan cong(?:\s+cho)?)\s+(?!cua\b)"
)
# With diacritics, "Giao …" (assign) is not "Giáo viên …".
_INTRO = re.compile(
    r"(?i)^\s*(?:giao(?:\s+cho|\s+nhiệm vụ cho)?|đề nghị|yêu cầu|phân công(?:\s+cho)?)\s+"
    r"(?!của\b)"
)
_ASSIGNS = re.compile(
    r"(?i)\s*(?:giao|yeu cau|de nghi|phan cong)\s+(?:cho\s+)?(?=(?:cac\s+)?[A-Z])"
)
_INTRO_INSIDE = re.compile(
    r"(?i)(?:[,;:)]\s*|\s)(?:giao(?:\s+cho)?|de nghi|yeu cau)\s+(?!cua\b)(?=(?:cac\s+)?[A-Z])"
)
# "Trên cơ sở …, Ủy ban nhân dân các xã căn cứ …": what a sentence opens with before its subject.
_OPENER = re.compile(
    r"(?i)^\s*(?:tren co so|can cu|trong|sau khi|khi|ket thuc|de|nham|hang nam|"
    r"dinh ky|theo|ngay sau|truoc|tu|den|cuoi|dau)\b[^,;:.]{0,160},\s*"
)
_PARTNERS = re.compile(r"(?i)\bphoi hop(?:\s+chat che)?(?:\s+(?:voi|cung))?\s+(?=(?:cac\s+)?[A-Z])")
_NOT_A_BODY_AFTER = re.compile(r"(?i)^\s*(?:dai dien|dong chi|ong|ba|gom|la|\d)")
_PERSON = re.compile(r"(?i)^\s*(?:dong chi|ong|ba)\s+(?=[A-Z])")
_ABSTRACT = re.compile(
    r"(?i)^cac\s+(?:nhiem vu|giai phap|hoat dong|noi dung|chi tieu|muc tieu|tieu chi|chuong trinh|"
    r"van ban|phong trao|hinh thuc|bien phap|chinh sach|du an|de an|cong trinh|truong hop|van de|"
    r"linh vuc|yeu cau|ket qua|chuyen de|mo hinh|san pham|dich vu|thu tuc)\b"
)
_GLOSS = re.compile(
    r"(?i)\s*(?:\((?:[^()]{0,200})\)|[-–]\s*(?:là\s+)?(?:cơ quan|co quan)\s+"
    r"(?:thường trực|thuong truc|đầu mối|dau moi|chủ trì|chu tri)\b.*)\s*$"
)
_SHARED_PREFIX = re.compile(
    r"(?i)(?:(bo truong|giam doc|chu tich|thu truong|lanh dao)\s+)?cac\s+(bo|so|ban|phong)\s*:\s*"
)
# "Chủ tịch UBND các tỉnh: Gia Lai, Lâm Đồng", "Trưởng thôn các thôn: Đông, Tây".
_SHARED_PLACES = re.compile(
    r"(?i)^([^:;]{2,60}?\s)cac\s+(tinh|thanh pho|xa|phuong|huyen|quan|thi xa|dac khu|thon|ban|ap|"
    r"lang|to dan pho|khu pho|khu dan cu)\s*:\s*"
)
# "Các doanh nghiệp viễn thông, tổ chức, cá nhân có liên quan": the generic tail goes.
_GENERIC_TAIL = re.compile(
    r"(?:\s*,\s*(?:các\s+)?(?:tổ chức|cá nhân|cơ quan|đơn vị|tập thể|địa phương|doanh nghiệp)"
    r"(?:\s+có liên quan|\s+liên quan)?)+\s*$"
)
_NAME_STOP = re.compile(r"[:;]|\.(?:\s|$)")
_SHARED_COLON = re.compile(
    r"(?i)\bcac\s+(?:bo|so|ban|phong|tinh|thanh pho|xa|phuong|huyen|quan|thi xa|dac khu|thon|"
    r"ap|lang|to dan pho|khu pho|khu dan cu)\s*$"
)
# Ministries' and departments' sector names that hold "và" (Nghị định 25/2025 and before).
_SECTOR = re.compile(
    r"(?:nong nghiep va moi truong|khoa hoc va cong nghe|giao duc va dao tao|"
    r"tai nguyen va moi truong|nong nghiep va phat trien nong thon|thong tin va truyen thong|"
    r"ke hoach va dau tu|dan toc va ton giao|the thao va du lich|thuong binh va xa hoi|"
    r"van hoa va thong tin|van hoa va the thao|xay dung va do thi)$"
)
# Sector names with a comma inside ("Văn hóa, Thể thao và Du lịch").
_SECTOR_TAIL = re.compile(r"(?i)^(?:the thao|thong tin|khoa hoc va thong tin)\b")


def _marked(text: str) -> bool:
    """Whether a piece of text keeps its diacritics (an OCR'd copy may have lost them all)."""
    return bool(_MARKED.search(text, 0, 400))


def _strip(text: str) -> str:
    text = squash(text).strip(' ,;:.-–*_"“”')
    text = re.sub(r"(?i)\s*\((?:chủ trì|chu tri|cơ quan chủ trì)\)\s*$", "", text)
    return _no_person(text)


def _no_person(text: str) -> str:
    if text[:1] not in "ĐđÔôBbOo":
        return text
    m = _PERSON.match(fold(text[:20]))
    return text[m.end() :] if m else text


def _head_end(text: str, lower: bool = False) -> int:
    """Length of the head ("Sở", "Chủ tịch Ủy ban nhân dân", "các Bộ") `text` opens with, or 0
    when it does not open with a body's or a leader's name; with `lower`, also a role or body
    written in lower case ("công chức văn hóa xã", "trạm y tế xã") where one is expected."""
    if lower and text and text[0] in _L and not text.startswith(("các ", "cac ")):
        text = text[0].upper() + text[1:]
    if not text or not (text[0] in _U or text.startswith(("các ", "cac "))):
        return 0
    marked = _marked(text)
    low = text[:120].lower() if marked else fold(text[:120]).lower()
    best = _best_head(text, low, marked)
    # An OCR'd copy that lost some of its diacritics ("Uy ban nhân dân", "Truong thôn").
    if not best and marked and not _MARKED.search(text.split(" ", 1)[0]):
        best = _best_head(text, fold(low), False)
    return best


def _best_head(text: str, low: str, marked: bool) -> int:
    best = 0
    for pattern in _HEADS if marked else _HEADS_F:
        m = pattern.match(low)
        if m and m.end() > best:
            best = max(best, _checked_head(text, low, m.end(), marked))
    return best


def _checked_head(text: str, low: str, end: int, marked: bool) -> int:
    """`end`, past the words bodies of that kind are named with ("Đoàn kiểm tra"), or 0 when
    the head is a common word here ("Phòng ngừa", "Bộ tiêu chí", "tổ chức")."""
    head = re.sub(r"^c[aá]c\s+", "", low[:end]).strip()
    title = (_TITLE_PREFIX if marked else _TITLE_PREFIX_F).match(head)
    body = head[title.end() :] if title else head
    nxt = text[end:].lstrip()
    gap = len(text) - end - len(nxt)
    comp = (_COMPLEMENT_RE if marked else _COMPLEMENT_F).match(
        nxt[:60].lower() if marked else fold(nxt[:60]).lower()
    )
    plural = re.search(r"(?:^|\s)c[aá]c\s", low[:end])
    if plural and body in (_PLURAL_SET if marked else _PLURAL_SET_F):
        return end  # "các thôn", "các lớp": a class of units, whatever follows
    ambiguous = _AMBIGUOUS if marked else _AMBIGUOUS_F
    if body in ambiguous and comp and nxt[:1] not in _U:
        return end + gap + comp.end()  # "Đoàn kiểm tra", "Ban quản lý", "Tổ dân phố"
    if body in ambiguous:
        plural_list = nxt[:1] == ":" and re.match(r"c[aá]c\s", low)
        if not nxt or not (nxt[0] in _U or nxt[0].isdigit() or nxt[0] in ",(" or plural_list):
            return 0
    return end


# One-syllable verbs that are never a name's second syllable ("Hòa Bình gửi", not "Ngoại giao").
_NEVER_IN_NAME = {w for v in _words("gửi|lập|nộp|cử|làm|trình|tặng") for w in (v, fold(v))}


# "Mặt trận và các đoàn thể xã", "Đoàn Thanh niên cùng Hội Cựu chiến binh": a list goes on
# where a body follows.
_LIST_GOES_ON = {"và các", "va cac", "cùng", "cung"}


def _next_at(m: re.Match[str]) -> int:
    """Where the body after "và các" (at its "các") or "cùng" starts."""
    return m.start() + 4 if m.group(0).strip() in ("và các", "va cac") else m.end() + 1


def _after_capital(text: str, at: int) -> bool:
    """Whether the word before position `at` starts with a capital."""
    start = text.rfind(" ", 0, max(at - 1, 0)) + 1
    return start < at and (text[start] in _U or "A" <= text[start] <= "Z")


def _name_end(text: str, start: int) -> int:
    """Where the name that runs from `start` ends: at a verb, a colon, a semicolon or a
    sentence end, or before a bracket that glosses it."""
    marked = _marked(text)
    verbs = _VERB_RE if marked else _VERB_F
    ends = [len(text)]
    hay = text if marked else fold(text)
    m = verbs.search(hay, start)
    # "Bộ Giáo dục và Đào tạo", "Bộ Ngoại giao": a one-syllable verb right after a capitalised
    # word is the second syllable of a name; "Mặt trận và các đoàn thể xã": a list goes on.
    while m and m.start() - start <= _NAME_WINDOW:
        word = m.group(0).strip()
        one = " " not in word
        if one and word not in _NEVER_IN_NAME and _after_capital(hay, m.start()):
            m = verbs.search(hay, m.end())
        elif one and not marked and _COMPLEMENT_F.match(hay, m.start() + 1):
            m = verbs.search(hay, m.end())  # "cong chuc van hoa": not "vẫn"
        elif word in _LIST_GOES_ON and (more := _head_end(text[(at := _next_at(m)) : at + 130])):
            m = verbs.search(hay, at + more)
        else:
            break
    if m:
        ends.append(m.start())
    shared = False
    for stop in _NAME_STOP.finditer(text, start):
        at = stop.start()
        if at - start > _NAME_WINDOW:
            ends.append(at)
            break
        # "Bộ trưởng các Bộ: Quốc phòng, Công an chỉ đạo …" — the list is the name.
        if (
            text[at] == ":"
            and text[at + 1 : at + 3].strip()[:1] in _U
            and _SHARED_COLON.search(fold(text[max(0, at - 40) : at]))
        ):
            shared = True
            continue
        # "Văn phòng Đoàn ĐBQH; Hội đồng nhân dân, Ủy ban nhân dân các xã: …" — a list of bodies,
        # or of the names after "các Bộ:".
        if text[at] == ";" and (shared or _head_end(text[at + 1 : at + 121].lstrip())):
            continue
        ends.append(at)
        break
    return min(ends)


def _gloss_off(name: str) -> str:
    """'Sở Nội vụ (Cơ quan thường trực …)' → 'Sở Nội vụ'; a short body name in brackets stays
    ('Ban Thi đua, Khen thưởng (Sở Nội vụ)')."""
    m = _GLOSS.search(name)
    if not m:
        return name
    inner = m.group(0).strip()
    if inner.startswith("(") and len(inner.split()) <= 5 and _head_end(inner[1:]) > 0:
        return name
    return name[: m.start()].rstrip(" ,")


def _expand_shared(text: str) -> list[str] | None:
    f = fold(text)
    m = _SHARED_PREFIX.match(f)
    if m:
        role = (text[m.start(1) : m.end(1)] + " ") if m.group(1) else ""
        head = text[m.start(2) : m.end(2)]
        head = head[:1].upper() + head[1:].lower()
        pieces = re.split(r"(\s*[;,]\s*|\s+và\s+(?=[" + _U + "]))", text[m.end() :])
        merged: list[str] = []
        for n in range(0, len(pieces), 2):
            p = pieces[n].strip()
            sep = pieces[n - 1] if n else ""
            joined = f"{merged[-1]}{sep}{p}" if merged else p
            # "Nông nghiệp và Môi trường", "Văn hóa, Thể thao và Du lịch" are one ministry's.
            if merged and (_SECTOR_TAIL.match(fold(p)) or _SECTOR.search(fold(joined).lower())):
                merged[-1] = joined
            elif p:
                merged.append(p)
        return [f"{role}{head} {p}" for p in merged]
    m = _SHARED_PLACES.match(f)
    if m:
        prefix = text[: m.end(1)]
        level = text[m.start(2) : m.end(2)].lower()
        places = re.split(r"\s*[;,]\s*|\s+và\s+", text[m.end() :])
        return [f"{prefix}{level} {p.strip()}" for p in places if p.strip()]
    return None


_LOCAL_RE = _alternation(_LOCAL_CLASSES)
# "Các thôn, tổ dân phố", "Trưởng các khu phố và tổ dân phố": one "các" over a list of classes.
_LOCAL_LIST = re.compile(
    rf"(?i)^((?:(?:{_TITLE_RE})\s+)?các\s+)({_LOCAL_RE})"
    rf"((?:\s*(?:,|\bvà\b|\bhoặc\b)\s*(?:các\s+)?(?:{_LOCAL_RE})(?=[\s,]|$))+)(.*)$"
)
_LOCAL_LIST_F = re.compile(fold(_LOCAL_LIST.pattern))


def _expand_local(text: str) -> list[str] | None:
    """'Các thôn, tổ dân phố trên địa bàn xã' → 'Các thôn trên địa bàn xã', 'các tổ dân phố
    trên địa bàn xã'; None when `text` is no such list."""
    marked = _marked(text)
    m = (_LOCAL_LIST if marked else _LOCAL_LIST_F).match(text if marked else fold(text))
    if not m:
        return None
    prefix, tail = text[: m.end(1)], text[m.start(4) :]
    plural = prefix[0].lower() + prefix[1:] if fold(prefix[:3]).lower() == "cac" else prefix
    classes = [text[m.start(2) : m.end(2)]]
    for piece in re.split(r"\s*(?:,|\b(?:và|va|hoặc|hoac)\b)\s*", text[m.start(3) : m.end(3)]):
        piece = re.sub(r"(?i)^c[aá]c\s+", "", piece.strip())
        if piece:
            classes.append(piece)
    return [f"{prefix if n == 0 else plural}{c}{tail}" for n, c in enumerate(classes)]


def split_units(text: str) -> list[str]:
    """'Sở Y tế, Sở Giáo dục và Đào tạo' → two; 'Sở Văn hóa, Thể thao và Du lịch' stays one;
    'các Bộ: Tài chính; Xây dựng' → 'Bộ Tài chính', 'Bộ Xây dựng'; 'Chủ tịch UBND các tỉnh:
    Gia Lai, Lâm Đồng' → one for each province; 'Hội đồng nhân dân, Ủy ban nhân dân các xã'
    stays one."""
    text = _strip(text)
    shared = _expand_shared(text) or _expand_local(text)
    if shared is not None:
        return [p for p in (_strip(s) for s in shared) if p]
    inner = re.search(r"\((?:gồm|gom|bao gồm)\s+(các\s+\w+\s*:[^()]+)\)", text)
    if inner:
        expanded = _expand_shared(inner.group(1))
        if expanded:
            return [p for p in (_strip(s) for s in expanded) if p]
    f = fold(text)
    parts: list[str] = []
    last = 0
    for sep in re.finditer(r"\s*;\s*|\s*,\s*|\s+(?:va|cung)\s+", f):
        if sep.start() < last:
            continue
        nxt = text[sep.end() :]
        here = text[last : sep.start()]
        if ";" not in sep.group(0):
            capital = nxt[:1] in _U or nxt.startswith(("các ", "cac "))
            # "Các tổ chuyên môn, giáo viên chủ nhiệm các lớp": a role in lower case.
            if not (_head_end(nxt) and capital) and not _TITLE_PREFIX.match(nxt[:40] + " "):
                continue
            if "va" in sep.group(0) and re.match(r"(?i)(?:van phong|thuong truc)\b", fold(here)):
                continue
            # "Hội đồng nhân dân, Ủy ban nhân dân các xã": a head without its own name shares
            # the next one's.
            # … but "Trưởng thôn các thôn, Tổ trưởng các tổ dân phố" are two.
            plural = re.search(r"(?:^|\s)cac\s", fold(here).lower())
            bare = _head_end(here) >= len(here.rstrip()) and not plural
            if bare and "," in sep.group(0) and not _BARE_TITLE.match(fold(here).lower()):
                continue
        parts.append(here)
        last = sep.end()
    parts.append(text[last:])
    out: list[str] = []
    for p in parts:
        p = _gloss_off(_strip(_GENERIC_TAIL.sub("", p)))
        if p:
            out.append(p)
    return out


def is_catch_all(name: str) -> bool:
    """A name nobody can be reminded by: "các cơ quan, đơn vị", "Bộ trưởng" alone."""
    f = fold(name).strip()
    if _CLASS_OK.match(f) or _LOCAL_ORGS.match(f):
        return False
    low = f.lower()
    return bool(_CATCH_ALL.match(f) or _ABSTRACT.match(low) or _BARE_TITLE.match(low))


def _is_body(name: str) -> bool:
    if len(name) > 170 or _ABSTRACT.match(fold(name).lower()):
        return False
    return _head_end(name, lower=True) > 0


def _body_at(
    text: str, whole: bool = False, instructed: bool = False, lower: bool = False
) -> str | None:
    """The body (or list of bodies) `text` opens with, up to what it is asked to do; with
    `whole`, only when nothing but bodies stands there (a heading); with `instructed`, only
    when a verb that gives an instruction follows; with `lower`, also one written in lower
    case (after "Giao", "phối hợp với")."""
    text = _no_person(text.lstrip("-–+•* "))
    first = text[:1]
    if text[:4] in ("các ", "Các ", "cac "):
        text = "C" + text[1:]
    head = _head_end(text, lower)
    if not head:
        return None
    end = _name_end(text, head)
    rest = text[end:]
    if whole and rest.strip(" .:;") and not rest.lstrip().startswith(":"):
        return None
    if instructed:
        marked = _marked(text)
        m = (_VERB_RE if marked else _VERB_F).match(text if marked else fold(text), end)
        if not m or not m.group(1):
            return None
    name = re.sub(r"[\s,]+(?:và|cùng|va|cung)?\s*$", "", text[:end])
    return first + name[1:] if _is_body(name) else None


class Assignees:
    """Collects the bodies of one task, in order, without duplicates; a body that leads in one
    sub-item is not also listed as a partner."""

    def __init__(self) -> None:
        self.leads: list[dict[str, object]] = []
        self.partners: list[dict[str, object]] = []

    def _known(self, name: str, pool: list[dict[str, object]]) -> bool:
        return any(_same_body(name, str(entry["name"])) for entry in pool)

    def add(self, text: str, role: str, owes: bool | None = None) -> None:
        """Adds the bodies `text` names in `role`; those who owe the task go to `leads` (all
        that "chủ trì", and one whose own part is to "phối hợp"), the others to `partners`."""
        for name in split_units(text):
            if not _is_body(name) or is_catch_all(name):
                continue
            key = fold_key(name)
            if owes or (owes is None and role == "chu_tri"):
                if self._known(name, self.leads):
                    continue
                self.partners = [p for p in self.partners if fold_key(str(p["name"])) != key]
                self.leads.append({"name": name, "role": role})
            elif not self._known(name, self.leads) and not self._known(name, self.partners):
                self.partners.append({"name": name, "role": role})

    def read_partners(self, text: str, f: str | None = None) -> None:
        f = fold(text) if f is None else f
        for pm in _PARTNERS.finditer(f):
            name = _body_at(text[pm.end() : pm.end() + _NAME_WINDOW], lower=True)
            if name:
                self.add(name, "phoi_hop")

    def read_sentence(self, sentence: str, heading: bool = False, depth: int = 0) -> None:
        """One sentence (or a block's opening): its label, its subject, its partners; what
        follows "X:" is read again, at most twice deep."""
        s = squash(sentence).lstrip("-–+•* ").strip()
        if not s:
            return
        f = fold(s)
        if re.match(r"(?i)doi voi\b", f):
            # "Đối với X" says what a rule is about, not who carries it out.
            self._inside(s, f)
            return
        lm = _LABEL.match(f)
        if lm:
            rest = s[lm.end() :]
            if (lm.group(1) or "").lower() == "phoi hop":
                self.add(re.split(r"[.;]\s", rest)[0], "phoi_hop")
                return
            lead = re.split(r"(?i)\s+(?:chủ trì|chu tri)\b|[;.]\s|\s+(?:phối hợp|phoi hop)\b", rest)
            self.add(_body_at(lead[0], lower=True) or lead[0], "chu_tri")
            self.read_partners(rest)
            return
        im = _INTRO.match(s) if _marked(s) else _INTRO_F.match(f)
        if im:
            s, f = s[im.end() :], f[im.end() :]
        else:
            om = _OPENER.match(f)
            if om and _body_at(s[om.end() :]):
                s, f = s[om.end() :], f[om.end() :]
        # "Đề nghị A; B; C: tổ chức …" — addressees listed before what they are asked.
        colon = s.find(":")
        if im and 0 < colon < 700 and ";" in s[:colon]:
            segments = s[:colon].split(";")
            if len(segments) <= 10 and all(len(g.split()) <= 30 for g in segments):
                for g in segments:
                    if _body_at(g.strip(), whole=True):
                        self.add(g, "chu_tri")
                if depth < 2:
                    self.read_sentence(s[colon + 1 :], depth=depth + 1)
                return
        # "Các cơ quan chuyên môn …; Văn phòng … tổ chức …" — past the catch-alls.
        skipped = 0
        while skipped < 12 and ";" in s[:250] and not _head_end(s.lstrip("-–+•* ")):
            first, _, rest = s.partition(";")
            if not is_catch_all(first.strip()):
                break
            s, f = rest.lstrip(), f[len(first) + 1 :].lstrip()
            skipped += 1
        # "X: …" — a body heading what follows (not "Trưởng đoàn: Đại diện …").
        colon = s.find(":")
        if 0 < colon < 200:
            before = s[:colon]
            if (
                _body_at(before, whole=True)
                and not _NOT_A_BODY_AFTER.match(fold(s[colon + 1 :]))
                and not _SHARED_COLON.search(fold(before))
            ):
                self.add(before, _role_of(s[colon + 1 :], s), owes=True)
                if depth < 2:
                    self.read_sentence(s[colon + 1 :], depth=depth + 1)
                return
            # "Chế độ báo cáo: Các thôn báo cáo …" — a short label before who is asked.
            after = s[colon + 1 :].lstrip(" *_")
            if depth < 2 and len(before.split()) <= 5 and _body_at(after, instructed=True):
                self.read_sentence(after, depth=depth + 1)
                return
        name = _body_at(s, whole=True) if heading and not im else None
        if name is None:
            name = _body_at(s, instructed=not (heading or im), lower=bool(im))
        # "Chủ tịch UBND xã giao Công chức Tài chính …": who assigns does not carry it out.
        if name and not _ASSIGNS.match(fold(s[len(name) :])):
            self.add(name, _role_of(s[len(name) :], s), owes=True)
        self._inside(s, f)

    def read_clause(self, clause: str) -> None:
        """A clause after ";" that opens with a body and what it does ("Ủy ban MTTQ xã chủ
        trì; các đoàn thể xã phối hợp vận động …")."""
        c = squash(clause).strip(" *_")
        name = _body_at(c, instructed=True)
        if name and not _ASSIGNS.match(fold(c[len(name) :])):
            self.add(name, _role_of(c[len(name) :], c), owes=True)

    def _inside(self, s: str, f: str | None = None) -> None:
        """Bodies asked further into a sentence (", giao X …", "…, yêu cầu các Bộ: …") and
        the partners named in it."""
        f = fold(s) if f is None else f
        for mm in _INTRO_INSIDE.finditer(f):
            inner = _body_at(s[mm.end() : mm.end() + _NAME_WINDOW])
            if inner:
                self.add(inner, "chu_tri")
        self.read_partners(s, f)


_COOPERATES = re.compile(r"(?i)^[\s,:]*phoi hop\b(?!\s+(?:chat che\s+)?(?:voi|cung)\b)")
_LEADS = re.compile(r"(?i)\bchu tri\b")


def _role_of(after: str, sentence: str) -> str:
    """`phoi_hop` for a body whose own part is to help ("Trạm Y tế xã phối hợp bảo đảm y tế")
    where nobody in the sentence "chủ trì"; else `chu_tri` ("X phối hợp với Y tổ chức …" is X's
    task, Y helping)."""
    if _COOPERATES.match(fold(after[:20])) and not _LEADS.search(fold(sentence)):
        return "phoi_hop"
    return "chu_tri"


def _same_body(x: str, y: str) -> bool:
    """'Chủ tịch Ủy ban nhân dân tỉnh Gia Lai' and 'Ủy ban nhân dân tỉnh Gia Lai', or two
    spellings of one name ('… MTTQ phường', '… MTTQ Việt Nam phường'), are one body for
    reminders; 'UBND tỉnh Gia Lai' and 'UBND tỉnh Đắk Lắk' are not."""
    a, b = fold_key(x), fold_key(y)
    if a == b or a.endswith(" " + b) or b.endswith(" " + a):
        return True
    names_x, names_y = _proper(x), _proper(y)
    if not (names_x <= names_y or names_y <= names_x):
        return False
    return _ratio(a, b) >= 0.85


def _proper(name: str) -> set[str]:
    """The words of a name written with a capital, past its first word."""
    return {w for w in fold(name).split()[1:] if w[:1].isupper()}


@functools.lru_cache(maxsize=4096)
def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


_SENTENCE = re.compile(rf"(?<=[.!?])\s+(?=[{_U}])")
# A body's name is never longer: what is read after "phối hợp với", "giao" stops there.
_NAME_WINDOW = 400


def sentences(text: str) -> list[str]:
    """The sentences of a block; a ";" or "." inside brackets does not end one."""
    out: list[str] = []
    depth = 0
    for piece in _SENTENCE.split(text):
        if out and depth > 0:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
            depth = 0
        depth += piece.count("(") - piece.count(")")
    return out


_CLASS_HEADING = re.compile(r"^Các\s+[a-zà-ỹđ]")


def find_assignees(blocks: list[Block]) -> Assignees:
    """The bodies a task's blocks name: the item's heading, then every sub-item and bullet,
    and the subject of each sentence that gives an instruction."""
    found = Assignees()
    for k, b in enumerate(blocks):
        heading = k == 0 or b.kind in ("letter", "decimal")
        for n, sentence in enumerate(sentences(b.text)):
            found.read_sentence(sentence, heading=heading and n == 0)
            for clause in sentence.split(";")[1:12]:
                found.read_clause(clause)
        # "5. Các chủ rừng là tổ chức (các Ban quản lý…)" heading bullets of its own.
        if k == 0 and len(blocks) > 1 and _CLASS_HEADING.match(b.text):
            bare = re.sub(r"\s*\([^()]*\)\s*", " ", b.text).strip(" :.")
            short = len(bare.split()) <= 10 and not re.search(r"[.;]", bare)
            known = any(found._known(p, found.leads) for p in split_units(bare))
            if short and not is_catch_all(bare) and not known:
                found.leads.append({"name": bare, "role": "chu_tri"})
    return found
