"""The waitlist in SQL: who waits for what, and the offers freed times made."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from portalcore.adapters.sql.timed_tables import WaitlistEntryRow, WaitlistOfferRow
from portalcore.domain.waitlist import EntryState, OfferState, WaitlistEntry, WaitlistOffer


def _entry(row: WaitlistEntryRow) -> WaitlistEntry:
    return WaitlistEntry(patient_id=row.patient_id, services=tuple(row.services), provider=row.provider,
                         first_day=row.first_day, last_day=row.last_day, state=EntryState(row.state),
                         created_at=row.created_at, id=row.id)


def _offer(row: WaitlistOfferRow) -> WaitlistOffer:
    return WaitlistOffer(entry_id=row.entry_id, patient_id=row.patient_id, token_hash=row.token_hash,
                         provider=row.provider, location=row.location, services=tuple(row.services),
                         start_at=row.start_at, expires_at=row.expires_at, state=OfferState(row.state), id=row.id)


class SqlWaitlistRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_entry(self, entry: WaitlistEntry, now: datetime) -> WaitlistEntry:
        row = WaitlistEntryRow(patient_id=entry.patient_id, services=list(entry.services), provider=entry.provider,
                               first_day=entry.first_day, last_day=entry.last_day, state=entry.state.value,
                               created_at=now)
        self.session.add(row)
        self.session.flush()
        return _entry(row)

    def entry(self, entry_id: int) -> WaitlistEntry | None:
        row = self.session.get(WaitlistEntryRow, entry_id)
        return _entry(row) if row else None

    def entries_for_patient(self, patient_id: int) -> list[WaitlistEntry]:
        rows = self.session.exec(select(WaitlistEntryRow).where(WaitlistEntryRow.patient_id == patient_id)
                                 .order_by(WaitlistEntryRow.first_day, WaitlistEntryRow.id)).all()
        return [_entry(row) for row in rows]

    def waiting_on(self, day: date) -> list[WaitlistEntry]:
        rows = self.session.exec(select(WaitlistEntryRow).where(
            WaitlistEntryRow.state == EntryState.WAITING.value, WaitlistEntryRow.first_day <= day,
            WaitlistEntryRow.last_day >= day).order_by(WaitlistEntryRow.created_at, WaitlistEntryRow.id)).all()
        return [_entry(row) for row in rows]

    def set_entry_state(self, entry_id: int, state: EntryState) -> None:
        self.session.exec(update(WaitlistEntryRow).where(WaitlistEntryRow.id == entry_id).values(state=state.value))

    def add_offer(self, offer: WaitlistOffer, now: datetime) -> WaitlistOffer:
        row = WaitlistOfferRow(entry_id=offer.entry_id, patient_id=offer.patient_id, token_hash=offer.token_hash,
                               provider=offer.provider, location=offer.location, services=list(offer.services),
                               start_at=offer.start_at, expires_at=offer.expires_at, state=offer.state.value,
                               created_at=now)
        self.session.add(row)
        self.session.flush()
        return _offer(row)

    def offer_by_token(self, token_hash: str, *, for_update: bool = False) -> WaitlistOffer | None:
        query = select(WaitlistOfferRow).where(WaitlistOfferRow.token_hash == token_hash)
        row = self.session.exec(query.with_for_update() if for_update else query).first()
        return _offer(row) if row else None

    def open_offers_at(self, provider: str, start_at: datetime) -> list[WaitlistOffer]:
        rows = self.session.exec(select(WaitlistOfferRow).where(
            WaitlistOfferRow.provider == provider, WaitlistOfferRow.start_at == start_at,
            WaitlistOfferRow.state == OfferState.OPEN.value).order_by(WaitlistOfferRow.id)).all()
        return [_offer(row) for row in rows]

    def set_offer_state(self, offer_id: int, state: OfferState) -> None:
        self.session.exec(update(WaitlistOfferRow).where(WaitlistOfferRow.id == offer_id).values(state=state.value))
