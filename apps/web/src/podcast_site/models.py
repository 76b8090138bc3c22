"""Map the site's tables to typed SQLAlchemy classes."""

from datetime import date, datetime

from sqlalchemy import Column, DateTime, ForeignKey, MetaData, String, Table, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Explicit constraint names keep Alembic migrations reproducible and reviewable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declare every model on one metadata, which Alembic compares with the database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every timestamp is stored with its time zone (timestamptz), never as local time.
    type_annotation_map = {datetime: DateTime(timezone=True)}


episode_guests = Table(
    "episode_guests",
    Base.metadata,
    Column("episode_id", ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
    # The primary key serves lookups by episode; this index serves a guest's page.
    Column("guest_id", ForeignKey("guests.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Guest(Base):
    """A person who appeared on the show."""

    __tablename__ = "guests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitised once, at import, so pages never parse Markdown.
    bio_html: Mapped[str] = mapped_column(Text, default="")

    episodes: Mapped[list["Episode"]] = relationship(
        secondary=episode_guests, back_populates="guests", order_by="Episode.number.desc()"
    )


class Episode(Base):
    """One published episode of the podcast."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date] = mapped_column(index=True)
    duration_seconds: Mapped[int]
    audio_url: Mapped[str] = mapped_column(String(500))
    # Only the episode page shows the notes: lists leave them unloaded, and loading
    # them by accident raises instead of quietly costing a query per row.
    show_notes: Mapped[str] = mapped_column(
        Text, default="", deferred=True, deferred_raiseload=True
    )
    show_notes_html: Mapped[str] = mapped_column(
        Text, default="", deferred=True, deferred_raiseload=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    guests: Mapped[list[Guest]] = relationship(
        secondary=episode_guests, back_populates="episodes", order_by=Guest.name
    )
