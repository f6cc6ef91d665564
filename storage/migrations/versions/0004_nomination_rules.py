"""nominations carry what the rules need; the council's path; household lists

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 21:00:00

Existing rows are carried over: the nominee kind is read from the old individual/collective kind
and the nominating unit, the period is the year filed, "approved" (one staff click, before the
council existed) becomes "checked" (it still goes to the council), and the two old award keys
that were not awards under the Law become what they are: an ad-hoc Giấy khen, and the title
"Thôn, tổ dân phố văn hóa".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["members.id"], name=op.f("fk_council_meetings_recorded_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_council_meetings_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_meetings")),
    )
    with op.batch_alter_table("council_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_meetings_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "household_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=False),
        sa.Column("households", sa.JSON(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=True),
        sa.Column("posting_until", sa.Date(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("decision_number", sa.String(length=64), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["members.id"], name=op.f("fk_household_lists_submitted_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_household_lists_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_lists")),
        sa.UniqueConstraint("unit_id", "year", name=op.f("uq_household_lists_unit_id_year")),
    )
    op.create_table(
        "household_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["household_lists.id"],
            name=op.f("fk_household_objections_list_id_household_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_household_objections_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_objections")),
    )
    with op.batch_alter_table("household_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_household_objections_list_id"), ["list_id"], unique=False
        )

    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nominee_kind", sa.String(length=24), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("period", sa.String(length=9), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "achievement_type",
                sa.String(length=16),
                server_default="thuong_xuyen",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("gender", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("initiative", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("prior_title", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("votes_for", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("votes_against", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decision_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("decision_date", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_nominations_meeting_id_council_meetings"),
            "council_meetings",
            ["meeting_id"],
            ["id"],
        )

    kind_of_unit = "(SELECT kind FROM units WHERE units.id = nominations.unit_id)"
    op.execute(
        "UPDATE nominations SET nominee_kind = CASE"
        f" WHEN kind = 'individual' AND {kind_of_unit} = 'school' THEN 'can_bo'"
        " WHEN kind = 'individual' THEN 'nguoi_dan'"
        f" WHEN {kind_of_unit} = 'school' THEN 'co_quan_don_vi'"
        " WHEN award = 'thon_van_hoa' THEN 'thon_to_dan_pho'"
        " ELSE 'chi_hoi_doan_the' END"
    )
    op.execute(
        "UPDATE nominations SET period = "
        + (
            "CAST(EXTRACT(YEAR FROM created_at) AS TEXT)"
            if op.get_bind().dialect.name == "postgresql"
            else "strftime('%Y', created_at)"
        )
    )
    op.execute("UPDATE nominations SET status = 'checked' WHERE status = 'approved'")
    op.execute(
        "UPDATE nominations SET award = 'giay_khen_chu_tich_xa', achievement_type = 'dot_xuat'"
        " WHERE award = 'khen_thuong_dot_xuat'"
    )
    op.execute(
        "UPDATE nominations SET award = 'thon_to_dan_pho_van_hoa' WHERE award = 'thon_van_hoa'"
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        for column in ("nominee_kind", "period", "achievement_type"):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    op.execute(
        "UPDATE nominations SET status = 'approved' WHERE status <> 'pending'"
        " AND status NOT IN ('rejected', 'returned')"
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_nominations_meeting_id_council_meetings"), type_="foreignkey"
        )
        for column in (
            "decision_date",
            "decision_number",
            "votes_against",
            "votes_for",
            "meeting_id",
            "prior_title",
            "initiative",
            "gender",
            "achievement_type",
            "period",
            "nominee_kind",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("household_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_objections_list_id"))
    op.drop_table("household_objections")
    op.drop_table("household_lists")
    with op.batch_alter_table("council_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_meetings_unit_id"))
    op.drop_table("council_meetings")
