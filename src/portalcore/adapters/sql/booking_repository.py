"""Holds, phone challenges, payments, cards and routed forms in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portalcore.adapters.sql.tables import (
    AppointmentRow, CheckoutDraftRow, FormTemplateRow, LocationRow, PatientCardRow, PatientFormRow, PaymentRow, PhoneVerificationRow,
    ProviderRow, SlotHoldRow,
)
from portalcore.domain.booking import CardOnFile, CheckoutDraft, Hold, PaymentRecord
from portalcore.domain.catalog import FormKind
from portalcore.domain.errors import NotFound
from portalcore.domain.forms import RoutedForm
from portalcore.domain.money import Money
from portalcore.domain.verification import PhoneChallenge


class SqlBookingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_provider(self, provider: str) -> None:
        found = self.session.execute(select(ProviderRow.id).where(ProviderRow.slug == provider)
                                     .with_for_update()).first()
        if found is None:
            raise NotFound(f"Unknown provider {provider!r}.")

    # -- holds
    def add_hold(self, hold: Hold, now: datetime) -> None:
        provider = self.session.execute(select(ProviderRow.id).where(ProviderRow.slug == hold.provider)).scalar_one()
        location = self.session.execute(select(LocationRow.id).where(LocationRow.slug == hold.location)).scalar_one()
        self.session.add(SlotHoldRow(token=hold.token, provider_id=provider, location_id=location,
                                     services=list(hold.services), start_at=hold.start_at, end_at=hold.end_at,
                                     busy_until=hold.busy_until, expires_at=hold.expires_at,
                                     created_at=now))
        self.session.flush()

    def hold(self, token: str) -> Hold | None:
        row = self.session.execute(
            select(SlotHoldRow, ProviderRow.slug, LocationRow.slug)
            .join(ProviderRow, ProviderRow.id == SlotHoldRow.provider_id)
            .join(LocationRow, LocationRow.id == SlotHoldRow.location_id)
            .where(SlotHoldRow.token == token)).first()
        if row is None:
            return None
        hold, provider, location = row
        return Hold(token=hold.token, provider=provider, location=location, services=tuple(hold.services),
                    start_at=hold.start_at, end_at=hold.end_at, busy_until=hold.busy_until,
                    expires_at=hold.expires_at)

    def drop_hold(self, token: str) -> None:
        self.session.execute(delete(SlotHoldRow).where(SlotHoldRow.token == token))

    def drop_expired_holds(self, now: datetime) -> int:
        return self.session.execute(delete(SlotHoldRow).where(SlotHoldRow.expires_at <= now)).rowcount

    # -- checkout drafts
    def draft(self, hold_token: str) -> CheckoutDraft | None:
        row = self.session.execute(select(CheckoutDraftRow).where(CheckoutDraftRow.hold_token == hold_token)
                                   ).scalar_one_or_none()
        if row is None:
            return None
        return CheckoutDraft(hold_token=row.hold_token, services=tuple(row.services), provider=row.provider,
                             first_name=row.first_name, last_name=row.last_name, email=row.email, mobile=row.mobile,
                             phone_token=row.phone_token, reference=row.reference, owner=row.owner)

    def save_draft(self, draft: CheckoutDraft, now: datetime) -> None:
        values = {"services": list(draft.services), "provider": draft.provider, "first_name": draft.first_name,
                  "last_name": draft.last_name, "email": draft.email, "mobile": draft.mobile,
                  "phone_token": draft.phone_token, "reference": draft.reference, "owner": draft.owner,
                  "updated_at": now}
        change = update(CheckoutDraftRow).where(CheckoutDraftRow.hold_token == draft.hold_token).values(**values)
        if self.session.execute(change).rowcount:
            return
        try:
            with self.session.begin_nested():
                self.session.add(CheckoutDraftRow(hold_token=draft.hold_token, **values))
                self.session.flush()
        except IntegrityError:  # a double click: the other request wrote the first draft meanwhile
            self.session.execute(change)

    def drop_draft(self, hold_token: str) -> None:
        self.session.execute(delete(CheckoutDraftRow).where(CheckoutDraftRow.hold_token == hold_token))

    def drop_drafts_before(self, moment: datetime) -> int:
        return self.session.execute(delete(CheckoutDraftRow).where(CheckoutDraftRow.updated_at < moment)).rowcount

    # -- phone challenges
    def add_challenge(self, challenge: PhoneChallenge, now: datetime) -> None:
        self.session.add(PhoneVerificationRow(
            token=challenge.token, phone=challenge.phone, code_hash=challenge.code_hash, failures=challenge.failures,
            sends=challenge.sends, last_sent_at=challenge.last_sent_at, expires_at=challenge.expires_at,
            verified_at=challenge.verified_at, created_at=now))
        self.session.flush()

    def challenge(self, token: str) -> PhoneChallenge | None:
        row = self.session.execute(select(PhoneVerificationRow).where(PhoneVerificationRow.token == token)
                                   .with_for_update()).scalar_one_or_none()
        if row is None:
            return None
        return PhoneChallenge(token=row.token, phone=row.phone, code_hash=row.code_hash, expires_at=row.expires_at,
                              last_sent_at=row.last_sent_at, failures=row.failures, sends=row.sends,
                              verified_at=row.verified_at)

    def save_challenge(self, challenge: PhoneChallenge) -> None:
        self.session.execute(update(PhoneVerificationRow).where(PhoneVerificationRow.token == challenge.token).values(
            code_hash=challenge.code_hash, failures=challenge.failures, sends=challenge.sends,
            last_sent_at=challenge.last_sent_at, expires_at=challenge.expires_at, verified_at=challenge.verified_at))

    def use_challenge(self, token: str) -> None:
        self.session.execute(delete(PhoneVerificationRow).where(PhoneVerificationRow.token == token))

    # -- payments and cards
    def add_payment(self, payment: PaymentRecord, now: datetime) -> None:
        self.session.add(PaymentRow(
            idempotency_key=payment.idempotency_key, patient_id=payment.patient_id,
            appointment_id=payment.appointment_id, kind=payment.kind,
            provider_payment_id=payment.provider_payment_id, amount_cents=payment.amount.cents,
            currency=payment.amount.currency, status=payment.status, simulated=payment.simulated, created_at=now))
        self.session.flush()

    def payments(self, appointment_id: int) -> list[PaymentRecord]:
        return self._payments(PaymentRow.appointment_id == appointment_id)

    def patient_payments(self, patient_id: int) -> list[PaymentRecord]:
        return self._payments(PaymentRow.patient_id == patient_id)

    def _payments(self, condition: Any) -> list[PaymentRecord]:
        rows = self.session.execute(select(PaymentRow).where(condition).order_by(PaymentRow.id)).scalars().all()
        return [PaymentRecord(idempotency_key=r.idempotency_key, patient_id=r.patient_id, kind=r.kind,
                              provider_payment_id=r.provider_payment_id, amount=Money(r.amount_cents, r.currency),
                              status=r.status, simulated=r.simulated, appointment_id=r.appointment_id) for r in rows]

    def add_card(self, card: CardOnFile, now: datetime) -> None:
        exists = self.session.execute(select(PatientCardRow.id).where(
            PatientCardRow.patient_id == card.patient_id,
            PatientCardRow.payment_method_id == card.payment_method_id)).first()
        if exists is None:
            self.session.add(PatientCardRow(patient_id=card.patient_id, customer_id=card.customer_id,
                                            payment_method_id=card.payment_method_id, brand=card.brand,
                                            last4=card.last4, simulated=card.simulated, created_at=now))
            self.session.flush()

    def cards(self, patient_id: int) -> list[CardOnFile]:
        rows = self.session.execute(select(PatientCardRow).where(PatientCardRow.patient_id == patient_id)
                                    .order_by(PatientCardRow.id.desc())).scalars().all()
        return [CardOnFile(patient_id=r.patient_id, customer_id=r.customer_id, payment_method_id=r.payment_method_id,
                           brand=r.brand, last4=r.last4, simulated=r.simulated) for r in rows]

    # -- forms
    def add_forms(self, patient_id: int, forms: Sequence[RoutedForm], now: datetime) -> None:
        ids = dict(self.session.execute(select(FormTemplateRow.slug, FormTemplateRow.id)
                                        .where(FormTemplateRow.slug.in_([f.form for f in forms]))).all())
        for form in forms:
            self.session.add(PatientFormRow(patient_id=patient_id, appointment_id=form.appointment_id,
                                            form_id=ids[form.form], status=form.status,
                                            visible_from=form.visible_from, created_at=now))
        self.session.flush()

    def move_forms(self, appointment_id: int, start_at: datetime) -> None:
        post = select(FormTemplateRow.id).where(FormTemplateRow.kind == FormKind.POST_INSTRUCTIONS.value)
        self.session.execute(update(PatientFormRow).where(PatientFormRow.appointment_id == appointment_id,
                                                          PatientFormRow.form_id.in_(post))
                             .values(visible_from=start_at))

    def forms(self, patient_id: int) -> list[RoutedForm]:
        rows = self.session.execute(
            select(PatientFormRow, FormTemplateRow)
            .join(FormTemplateRow, FormTemplateRow.id == PatientFormRow.form_id)
            .join(AppointmentRow, AppointmentRow.id == PatientFormRow.appointment_id)
            .where(PatientFormRow.patient_id == patient_id)
            .order_by(AppointmentRow.start_at, PatientFormRow.id)).all()
        return [RoutedForm(form=t.slug, kind=FormKind(t.kind), title=t.title, appointment_id=r.appointment_id,
                           visible_from=r.visible_from, status=r.status) for r, t in rows]
