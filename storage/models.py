"""The data: every table of the product, typed SQLAlchemy 2.0 models.

Idempotency keys are named unique constraints; JSON columns hold data whose shape belongs to a
flow (conversation state, report answers, parsed directives).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base
from storage.kinds import ROLES as ROLES
from storage.kinds import UNIT_KINDS as UNIT_KINDS

# the head who answers for a unit of each kind (reports, tasks, nominations)
HEAD_ROLE = {"village": "village_head", "resident_group": "group_leader", "school": "principal"}
# residential areas: their head holds the "Gia đình văn hóa" meeting (NĐ 86/2023)
AREA_KINDS = ("village", "resident_group")
AREA_HEADS = tuple(HEAD_ROLE[kind] for kind in AREA_KINDS)
Json = dict[str, Any]


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime]

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    unit: Mapped[Unit] = relationship(lazy="raise")


class ChatBinding(Base):
    """A chat on one channel that speaks for a member; one member may have several."""

    __tablename__ = "chat_bindings"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    blocked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]


class InviteFailure(Base):
    """One wrong invite code typed in a chat (for the brute-force limits, per chat and overall)."""

    __tablename__ = "invite_failures"
    __table_args__ = (
        Index("ix_invite_failures_chat_at", "channel", "chat_id", "at"),
        Index("ix_invite_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class ConversationState(Base):
    """Where one chat is in a conversation; its row lock keeps a chat's messages in order."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    flow: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[Json] = mapped_column(JSON, default=dict)
    awaiting: Mapped[str | None] = mapped_column(String(16))
    options: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class Draft(Base):
    """A form a member left half-filled (one report period, one nomination), kept until it is
    sent or thrown away; `key` tells drafts of one flow apart (the period of a report)."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("member_id", "flow", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    flow: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[Json] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class ProcessedUpdate(Base):
    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(index=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    detail: Mapped[Json] = mapped_column(JSON, default=dict)


class OutboxMessage(Base):
    """A message the bot pushes on its own; `key` makes planning it twice a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        # due rows in claiming order; a partial index, so sent and failed rows do not weigh on it
        Index(
            "ix_outbox_unsent",
            "not_before",
            "id",
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    binding_id: Mapped[int] = mapped_column(ForeignKey("chat_bindings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[Json] = mapped_column(JSON, default=dict)
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # set (and committed) just before the platform is called: a row still in flight after a
    # crash or a timeout may have reached the person ("in doubt"); `doubts` counts such sends
    in_flight_at: Mapped[datetime | None]
    doubts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class InboxUpdate(Base):
    """An update as the platform sent it, stored before it is acknowledged and handled from
    here (see `bot/channels/conveyor.py`); `update_key` makes a redelivery a no-op."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_key"),
        Index(
            "ix_inbox_pending",
            "channel",
            "chat_id",
            "id",
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[Json] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(index=True)
    handled_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ChatReply(Base):
    """One reply of a turn, recorded in the turn's transaction and sent from here in order
    (`seq` within the turn); a reply that could not go out is re-sent, never skipped."""

    __tablename__ = "replies"
    __table_args__ = (
        Index(
            "ix_replies_unsent",
            "channel",
            "chat_id",
            "id",
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    update_key: Mapped[str | None] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[Json] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    doubts: Mapped[int] = mapped_column(Integer, default=0)
    in_flight_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_message_id: Mapped[str | None] = mapped_column(String(64))


class SendSlot(Base):
    """The shared pace of one bot token (`key` "<channel>:<token hash>" overall, or with
    ":<chat id>" per chat): every process reserves its sends here, so together they keep to
    the platform's limits. `recent` holds the last sends (epoch seconds) of a sliding window."""

    __tablename__ = "send_slots"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    next_at: Mapped[float] = mapped_column(Float)
    recent: Mapped[list[float]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(index=True)


class ReportTemplate(Base):
    """What a unit kind reports: a list of indicators (JSON) and when its periods open and fall
    due (`schedule`, None for the defaults); older versions stay readable. `origin` is
    "default" for the shipped default stored automatically, None for a loaded file."""

    __tablename__ = "report_templates"
    __table_args__ = (UniqueConstraint("unit_kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    indicators: Mapped[list[Json]] = mapped_column(JSON)
    schedule: Mapped[Json | None] = mapped_column(JSON)
    origin: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Report(Base):
    """The latest version of one unit's report for one period."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("unit_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(7))
    template_id: Mapped[int] = mapped_column(ForeignKey("report_templates.id"))
    status: Mapped[str] = mapped_column(String(16))
    answers: Mapped[Json] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    submitted_at: Mapped[datetime]


class ReportVersion(Base):
    """Every submission of a report, kept when it is amended."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    # The template this version was filed under (an amendment may be under a newer one).
    template_id: Mapped[int] = mapped_column(ForeignKey("report_templates.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    answers: Mapped[Json] = mapped_column(JSON)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    submitted_at: Mapped[datetime]


class StoredFile(Base):
    """A photo or document received; the bytes are under the files directory, named by hash."""

    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


class CouncilMeeting(Base):
    """A meeting of a commune's Hội đồng Thi đua – Khen thưởng that voted on nominations."""

    __tablename__ = "council_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    members: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]


class Nomination(Base):
    """One proposal; `status` follows the council's path (see storage.council)."""

    __tablename__ = "nominations"
    __table_args__ = (Index("ix_nominations_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(16))
    nominee: Mapped[str] = mapped_column(String(255))
    position: Mapped[str] = mapped_column(String(255), default="")
    birth_year: Mapped[int | None]
    award: Mapped[str] = mapped_column(String(64))
    movement: Mapped[str] = mapped_column(String(255), default="")
    achievement: Mapped[str] = mapped_column(Text)
    file_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # what the rules need: who the nominee is, for which year (or school year) and round
    nominee_kind: Mapped[str] = mapped_column(String(24), default="")
    period: Mapped[str] = mapped_column(String(9), default="")
    achievement_type: Mapped[str] = mapped_column(String(16), default="thuong_xuyen")
    gender: Mapped[str | None] = mapped_column(String(8))
    initiative: Mapped[str | None] = mapped_column(Text)
    prior_title: Mapped[str | None] = mapped_column(Text)
    # the council's path: the meeting that voted and its votes, then the chair's decision
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("council_meetings.id"))
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    decision_number: Mapped[str | None] = mapped_column(String(64))
    decision_date: Mapped[date | None] = mapped_column(Date)


class HouseholdList(Base):
    """A village's yearly list of households proposed for "Gia đình văn hóa" (NĐ 86/2023)."""

    __tablename__ = "household_lists"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    meeting_on: Mapped[date] = mapped_column(Date)
    # who came to the meeting: {"total": households of the unit, "present": households there}
    meeting: Mapped[Json | None] = mapped_column(JSON)
    households: Mapped[list[str]] = mapped_column(JSON, default=list)
    posted_on: Mapped[date | None] = mapped_column(Date)
    posting_until: Mapped[date | None] = mapped_column(Date)
    review_reason: Mapped[str | None] = mapped_column(Text)
    decision_number: Mapped[str | None] = mapped_column(String(64))
    decision_date: Mapped[date | None] = mapped_column(Date)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HouseholdObjection(Base):
    """A resident's view on a posted household list, received through the bot."""

    __tablename__ = "household_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("household_lists.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Directive(Base):
    __tablename__ = "directives"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(100))
    issuer: Mapped[str | None] = mapped_column(String(255))
    issued_on: Mapped[date | None] = mapped_column(Date)
    subject: Mapped[str | None] = mapped_column(Text)
    parsed: Mapped[Json] = mapped_column(JSON)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]


class DirectiveTask(Base):
    __tablename__ = "directive_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directives.id"), index=True)
    ref: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    assignees: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadlines: Mapped[list[Json]] = mapped_column(JSON, default=list)
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    # who staff gave the task to by hand, replacing its assignee texts: [{"unit", "role"}]
    # ("unit" None: every unit of the role's kind under the issuer); [] nobody; None: not set
    picked: Mapped[list[Json] | None] = mapped_column(JSON)


class TaskTarget(Base):
    """A resolved assignee: the units (and role) a task goes to."""

    __tablename__ = "task_targets"
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("directive_tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class AssigneeMapping(Base):
    """An assignee text staff mapped by hand, remembered for the next directive of that unit."""

    __tablename__ = "assignee_mappings"
    __table_args__ = (UniqueConstraint("unit_id", "text_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    text_key: Mapped[str] = mapped_column(String(255))
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]


class TaskCompletion(Base):
    """A unit marked one occurrence of a task done, so nobody is reminded of it again."""

    __tablename__ = "task_completions"
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("directive_tasks.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    due_on: Mapped[date] = mapped_column(Date)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime]


class DigestState(Base):
    """What the last digest of a kind told a staff member, so an unchanged daily one is skipped."""

    __tablename__ = "digest_states"
    __table_args__ = (UniqueConstraint("member_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class WebLink(Base):
    """A one-time sign-in link to the staff web page (the token is only ever shown in the link;
    its hash is kept): valid a few minutes, used once."""

    __tablename__ = "web_links"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in browser: the cookie holds the token, this row its hash; `csrf` is what every
    form of the session must send back."""

    __tablename__ = "web_sessions"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token of the read-only JSON API, for one unit's subtree (stored hashed)."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class RateWindow(Base):
    """Requests counted in one fixed window (`key` names who: "api:<token id>"), shared by every
    process through the database."""

    __tablename__ = "rate_windows"
    __table_args__ = (UniqueConstraint("key", "window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    window: Mapped[int] = mapped_column(Integer, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ChatContact(Base):
    """When a chat last reached the bot (a message, a button, a follow), and whether it still
    follows: what a channel with a messaging window (Zalo OA) needs to know before a push."""

    __tablename__ = "chat_contacts"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    last_interaction_at: Mapped[datetime] = mapped_column(index=True)
    following: Mapped[bool] = mapped_column(Boolean, default=True)


class PlatformToken(Base):
    """A platform's rotating credentials (`key` "zalo_oa:<app id>"): the access token, when it
    expires, and the refresh token that replaces both (each refresh returns a new one and the
    old one dies, so it lives here, never only in memory). `seed_hash` says which configured
    refresh token the row grew from (a new one configured replaces the row); `broken_at` and
    `reason` are set when the platform refused the refresh token (an OA admin must grant the
    app again), `reported_at` once staff were told."""

    __tablename__ = "platform_tokens"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    access_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    refresh_token: Mapped[str] = mapped_column(Text)
    seed_hash: Mapped[str] = mapped_column(String(64))
    rotated_at: Mapped[datetime | None]
    rotations: Mapped[int] = mapped_column(Integer, default=0)
    broken_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
