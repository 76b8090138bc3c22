"""Publish on schedule, keep drafts and takedowns, announce each new episode once.

- episodes.published_at, a time with its zone, replaces the day alone: an
  episode is public once its status is `published` and that time has come.
  The release before this one still reads published_on (migrations run while
  it serves, and make rollback returns to it), so Postgres now derives it
  from published_at. A later migration can drop it.
- episode_announcements: one row per episode whose going public was dealt
  with. Every episode already here gets one, skipped: upgrading mails nobody
  about the back catalogue.
- outbound_emails can hold an announcement (an episode and a subscriber, at
  most one such row per pair, rendered when sent), a priority (confirmations
  before announcements) and dead_at (given up on); subscribers get bounced_at.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:05:30.736900
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the release time, status and announcements; existing episodes count as announced."""
    op.create_table(
        "episode_announcements",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column(
            "announced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_announcements_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("episode_id", name=op.f("pk_episode_announcements")),
    )
    op.add_column("episodes", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE episodes SET published_at = published_on::timestamp AT TIME ZONE 'UTC'")
    op.alter_column("episodes", "published_at", nullable=False)
    op.create_index(op.f("ix_episodes_published_at"), "episodes", ["published_at"], unique=False)
    op.drop_index(op.f("ix_episodes_published_on"), table_name="episodes")
    op.drop_column("episodes", "published_on")
    op.add_column(
        "episodes",
        sa.Column(
            "published_on",
            sa.Date(),
            sa.Computed("(published_at AT TIME ZONE 'UTC')::date", persisted=True),
            nullable=False,
        ),
    )
    op.add_column(
        "episodes",
        sa.Column("status", sa.String(length=10), server_default="published", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_episodes_known_status"),
        "episodes",
        "status IN ('draft', 'published', 'removed')",
    )
    op.add_column("episodes", sa.Column("audio_sha256", sa.String(length=64), nullable=True))
    op.execute(
        "INSERT INTO episode_announcements (episode_id, skipped, recipients)"
        " SELECT id, true, 0 FROM episodes"
    )
    # The search's two functions (migration 0009), for public episodes only:
    # the heap rows they read to recheck a match decide that too, for free.
    # The release before this one still calls the old two.
    public = "status = 'published' AND published_at <= statement_timestamp()"
    op.execute(
        "CREATE FUNCTION matching_public_episodes(query tsquery)"
        " RETURNS TABLE (id integer, number integer)"
        " LANGUAGE sql STABLE SET enable_seqscan = off"
        f" AS $$ SELECT id, number FROM episodes WHERE search_vector @@ query AND {public} $$"
    )
    op.execute(
        "CREATE FUNCTION ranked_public_episodes(query tsquery)"
        " RETURNS TABLE (id integer, rank real)"
        " LANGUAGE sql STABLE SET enable_seqscan = off"
        " AS $$ SELECT id, ts_rank_cd(ranking_vector, query) FROM episodes"
        f" WHERE ranking_vector @@ query AND {public} $$"
    )
    op.add_column(
        "newsletter_subscribers", sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "outbound_emails",
        sa.Column("priority", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column("outbound_emails", sa.Column("episode_id", sa.Integer(), nullable=True))
    op.add_column("outbound_emails", sa.Column("subscriber_id", sa.Integer(), nullable=True))
    op.add_column(
        "outbound_emails", sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.alter_column("outbound_emails", "message", existing_type=postgresql.BYTEA(), nullable=True)
    op.drop_index(
        op.f("ix_outbound_emails_due"),
        table_name="outbound_emails",
        postgresql_where="(sent_at IS NULL)",
    )
    op.create_index(
        "ix_outbound_emails_due",
        "outbound_emails",
        ["priority", "send_after"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL AND dead_at IS NULL"),
    )
    op.create_index(
        "ix_outbound_emails_sent_at",
        "outbound_emails",
        ["sent_at"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )
    op.create_index(
        "ix_outbound_emails_to_address", "outbound_emails", ["to_address", "created_at"]
    )
    op.create_unique_constraint(
        op.f("uq_outbound_emails_episode_id"), "outbound_emails", ["episode_id", "subscriber_id"]
    )
    op.create_foreign_key(
        op.f("fk_outbound_emails_subscriber_id_newsletter_subscribers"),
        "outbound_emails",
        "newsletter_subscribers",
        ["subscriber_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        op.f("fk_outbound_emails_episode_id_episodes"),
        "outbound_emails",
        "episodes",
        ["episode_id"],
        ["id"],
        ondelete="CASCADE",
    )


def downgrade() -> None:
    """Revert this revision (announcements and their mails are lost)."""
    op.execute("DELETE FROM outbound_emails WHERE message IS NULL")
    op.execute("DROP FUNCTION ranked_public_episodes(tsquery)")
    op.execute("DROP FUNCTION matching_public_episodes(tsquery)")
    op.drop_constraint(
        op.f("fk_outbound_emails_episode_id_episodes"), "outbound_emails", type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_outbound_emails_subscriber_id_newsletter_subscribers"),
        "outbound_emails",
        type_="foreignkey",
    )
    op.drop_constraint(op.f("uq_outbound_emails_episode_id"), "outbound_emails", type_="unique")
    op.drop_index("ix_outbound_emails_to_address", table_name="outbound_emails")
    op.drop_index(
        "ix_outbound_emails_sent_at",
        table_name="outbound_emails",
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )
    op.drop_index(
        "ix_outbound_emails_due",
        table_name="outbound_emails",
        postgresql_where=sa.text("sent_at IS NULL AND dead_at IS NULL"),
    )
    op.create_index(
        op.f("ix_outbound_emails_due"),
        "outbound_emails",
        ["send_after"],
        unique=False,
        postgresql_where="(sent_at IS NULL)",
    )
    op.alter_column("outbound_emails", "message", existing_type=postgresql.BYTEA(), nullable=False)
    op.drop_column("outbound_emails", "dead_at")
    op.drop_column("outbound_emails", "subscriber_id")
    op.drop_column("outbound_emails", "episode_id")
    op.drop_column("outbound_emails", "priority")
    op.drop_column("newsletter_subscribers", "bounced_at")
    op.drop_column("episodes", "audio_sha256")
    op.drop_constraint(op.f("ck_episodes_known_status"), "episodes", type_="check")
    op.drop_column("episodes", "status")
    op.drop_column("episodes", "published_on")
    op.add_column("episodes", sa.Column("published_on", sa.Date(), nullable=True))
    op.execute("UPDATE episodes SET published_on = (published_at AT TIME ZONE 'UTC')::date")
    op.alter_column("episodes", "published_on", nullable=False)
    op.create_index(op.f("ix_episodes_published_on"), "episodes", ["published_on"], unique=False)
    op.drop_index(op.f("ix_episodes_published_at"), table_name="episodes")
    op.drop_column("episodes", "published_at")
    op.drop_table("episode_announcements")
