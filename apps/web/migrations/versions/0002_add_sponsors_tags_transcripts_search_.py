"""Add sponsors, tags, transcripts, search, download counts and the newsletter.

Also the content revision: triggers on the content tables replace it on every
write, so caches keyed on it are invalidated by any change to the content.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 04:07:19.055287
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Frozen here as it was when this migration was written: a migration must not
# change meaning when the model's expression changes later.
SEARCH_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(summary, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(show_notes, '')), 'C')"
    " || setweight(to_tsvector('english', coalesce(transcript, '')), 'D')"
)
CONTENT_TABLES = ("episodes", "guests", "sponsors", "episode_guests", "episode_sponsors")

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "content_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "revision", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False
        ),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_content_revision_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_revision")),
    )
    op.create_table(
        "newsletter_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_newsletter_subscribers_email")),
    )
    op.create_table(
        "sponsors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("blurb", sa.Text(), nullable=False),
        sa.Column("blurb_html", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsors")),
        sa.UniqueConstraint("slug", name=op.f("uq_sponsors_slug")),
    )
    op.create_table(
        "episode_downloads",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_downloads_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("episode_id", "day", name=op.f("pk_episode_downloads")),
    )
    op.create_table(
        "episode_sponsors",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_sponsors_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sponsor_id"],
            ["sponsors.id"],
            name=op.f("fk_episode_sponsors_sponsor_id_sponsors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("episode_id", "sponsor_id", name=op.f("pk_episode_sponsors")),
    )
    # Rows from 0001 get placeholders; the next content import fills in the truth.
    op.add_column(
        "episodes",
        sa.Column("audio_bytes", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.alter_column("episodes", "audio_bytes", server_default=None)
    op.add_column("episodes", sa.Column("youtube_id", sa.String(length=11), nullable=True))
    op.add_column(
        "episodes",
        sa.Column(
            "tags", postgresql.ARRAY(sa.String(length=50)), nullable=False, server_default="{}"
        ),
    )
    op.alter_column("episodes", "tags", server_default=None)
    op.add_column("episodes", sa.Column("transcript", sa.Text(), nullable=True))
    op.add_column(
        "episodes",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_VECTOR, persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_episodes_search_vector",
        "episodes",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.add_column("guests", sa.Column("photo_url", sa.String(length=500), nullable=True))
    op.add_column(
        "guests",
        sa.Column(
            "links", postgresql.JSONB(astext_type=sa.Text()), nullable=False, server_default="[]"
        ),
    )
    op.alter_column("guests", "links", server_default=None)

    op.execute("INSERT INTO content_revision (id) VALUES (1)")
    op.execute(
        """
        CREATE FUNCTION bump_content_revision() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE content_revision SET revision = gen_random_uuid(), changed_at = now();
            RETURN NULL;
        END
        $$
        """
    )
    for table in CONTENT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_bump_content_revision"
            f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION bump_content_revision()"
        )


def downgrade() -> None:
    """Revert this revision."""
    for table in CONTENT_TABLES:
        op.execute(f"DROP TRIGGER {table}_bump_content_revision ON {table}")
    op.execute("DROP FUNCTION bump_content_revision()")
    op.drop_column("guests", "links")
    op.drop_column("guests", "photo_url")
    op.drop_index("ix_episodes_search_vector", table_name="episodes", postgresql_using="gin")
    op.drop_column("episodes", "search_vector")
    op.drop_column("episodes", "transcript")
    op.drop_column("episodes", "tags")
    op.drop_column("episodes", "youtube_id")
    op.drop_column("episodes", "audio_bytes")
    op.drop_table("episode_sponsors")
    op.drop_table("episode_downloads")
    op.drop_table("sponsors")
    op.drop_table("newsletter_subscribers")
    op.drop_table("content_revision")
