"""The clinic and its catalogue (locations, providers, categories, services, forms) in SQL."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlmodel import Session, col, delete, select

from portalcore.adapters.sql.catalog_cache import CatalogReads
from portalcore.adapters.sql.tables import (
    CategoryRow, ClinicRow, FormTemplateRow, LocationRow, ProviderRow, ServiceFormRow, ServiceProviderRow,
    ServiceRow, TimeOffRow,
)
from portalcore.domain.catalog import FormKind, FormTemplate, Service, ServiceCategory
from portalcore.domain.clinic import CancellationPolicy, Clinic, ClinicSettings, FeeTier, Location, ProviderChoice
from portalcore.domain.money import Money
from portalcore.domain.providers import Break, Provider, TimeOff, WorkingHours


def settings_to_json(settings: ClinicSettings) -> dict[str, Any]:
    c = settings.cancellation
    return {
        "portal_enabled": settings.portal_enabled,
        "activation_email_enabled": settings.activation_email_enabled,
        "wallet_visible": settings.wallet_visible,
        "patients_may_cancel": settings.patients_may_cancel,
        "patients_may_reschedule": settings.patients_may_reschedule,
        "provider_choice": settings.provider_choice.value,
        "cancellation": {"window_hours": c.window_hours, "fee_cents": c.fee.cents, "currency": c.fee.currency,
                         "text": c.text, "tiers": [[t.hours_before, t.percent] for t in c.tiers],
                         "translations": _texts(c.translations)},
        "min_notice_minutes": settings.min_notice_minutes,
        "horizon_days": settings.horizon_days,
        "slot_minutes": settings.slot_minutes,
        "hold_minutes": settings.hold_minutes,
        "card_check_cents": settings.card_check.cents,
        "enforce_prior_visits": settings.enforce_prior_visits,
        "no_show_deposit_after": settings.no_show_deposit_after,
        "no_show_deposit_cents": settings.no_show_deposit.cents,
        "passwordless_login": settings.passwordless_login,
        "password_min_length": settings.password_min_length,
        "reminders": list(settings.reminders),
        "reminder_sms": settings.reminder_sms,
        "quiet_hours": list(settings.quiet_hours) if settings.quiet_hours else None,
        "post_instructions_delay_minutes": settings.post_instructions_delay_minutes,
        "review_request_hours": settings.review_request_hours,
        "waitlist_offer_minutes": settings.waitlist_offer_minutes,
        "phone_checks_per_day": settings.phone_checks_per_day,
        "deposit_on_cancel": settings.deposit_on_cancel,
    }


def settings_from_json(data: dict[str, Any], currency: str = "USD") -> ClinicSettings:
    data = dict(data)
    cancellation = data.pop("cancellation", None)
    if "provider_choice" in data:
        data["provider_choice"] = ProviderChoice(data["provider_choice"])
    for name in ("card_check", "no_show_deposit"):
        if f"{name}_cents" in data:
            data[name] = Money(data.pop(f"{name}_cents"), currency)
    if cancellation:
        data["cancellation"] = CancellationPolicy(
            window_hours=cancellation["window_hours"],
            fee=Money(cancellation["fee_cents"], cancellation.get("currency", currency)),
            text=cancellation.get("text", ""),
            tiers=tuple(sorted(FeeTier(h, p) for h, p in cancellation.get("tiers", []))),
            translations=_texts(cancellation.get("translations")),
        )
    return ClinicSettings(**data)


def _texts(translations: Any) -> dict[str, dict[str, str]]:
    """A fresh copy of a translations mapping (language -> field -> text), so no row shares its JSON value."""
    return {str(lang): {str(k): str(v) for k, v in fields.items()} for lang, fields in (translations or {}).items()}


def _period(p: WorkingHours | Break) -> dict[str, Any]:
    data = {"weekday": p.weekday, "start": p.start.isoformat("minutes"), "end": p.end.isoformat("minutes")}
    if isinstance(p, WorkingHours):
        data["location"] = p.location
    return data


class SqlClinicRepository:
    def __init__(self, session: Session, reads: CatalogReads | None = None) -> None:
        self.session = session
        self._reads = reads or CatalogReads(session, None)

    def get(self) -> Clinic | None:
        return self._reads.get("clinic", self._clinic)

    def _clinic(self) -> Clinic | None:
        row = self.session.exec(select(ClinicRow).order_by(ClinicRow.id)).first()
        if row is None:
            return None
        return Clinic(slug=row.slug, name=row.name, time_zone=row.time_zone, currency=row.currency,
                      language=row.language, email=row.email, phone=row.phone,
                      settings=settings_from_json(row.settings, row.currency), id=row.id)

    def save(self, clinic: Clinic) -> Clinic:
        row = self.session.exec(select(ClinicRow).where(ClinicRow.slug == clinic.slug)).first() or ClinicRow(
            slug=clinic.slug, name=clinic.name, time_zone=clinic.time_zone)
        row.name, row.time_zone, row.currency = clinic.name, clinic.time_zone, clinic.currency
        row.language, row.email, row.phone = clinic.language, clinic.email, clinic.phone
        row.settings = settings_to_json(clinic.settings)
        self._reads.changed()
        self.session.add(row)
        self.session.flush()
        return self.get() or clinic


class SqlCatalogRepository:
    def __init__(self, session: Session, reads: CatalogReads | None = None) -> None:
        self.session = session
        self._reads = reads or CatalogReads(session, None)

    # -- locations
    def locations(self) -> list[Location]:
        return self._reads.get("locations", self._locations)

    def _locations(self) -> list[Location]:
        rows = self.session.exec(select(LocationRow).order_by(LocationRow.name)).all()
        return [Location(slug=r.slug, name=r.name, address=r.address, phone=r.phone, id=r.id) for r in rows]

    def save_location(self, location: Location) -> Location:
        row = self._by_slug(LocationRow, location.slug) or LocationRow(slug=location.slug, name=location.name)
        row.name, row.address, row.phone = location.name, location.address, location.phone
        self._store(row)
        return Location(slug=row.slug, name=row.name, address=row.address, phone=row.phone, id=row.id)

    # -- providers
    def providers(self) -> list[Provider]:
        return self._reads.get("providers", self._providers)

    def _providers(self) -> list[Provider]:
        rows = self.session.exec(select(ProviderRow).order_by(ProviderRow.name)).all()
        offs = self._time_off([row.id for row in rows if row.id is not None])
        return [self._provider(row, offs.get(row.id, [])) for row in rows]

    def provider(self, slug: str) -> Provider | None:
        return next((p for p in self.providers() if p.slug == slug), None)

    def save_provider(self, provider: Provider) -> Provider:
        row = self._by_slug(ProviderRow, provider.slug) or ProviderRow(slug=provider.slug, name=provider.name)
        row.name, row.title, row.email, row.active = provider.name, provider.title, provider.email, provider.active
        row.hours = [_period(h) for h in provider.hours]
        row.breaks = [_period(b) for b in provider.breaks]
        row.translations = _texts(provider.translations)
        self._store(row)
        self.session.exec(delete(TimeOffRow).where(TimeOffRow.provider_id == row.id))
        for off in provider.time_off:
            self.session.add(TimeOffRow(provider_id=row.id, start_at=off.start_at, end_at=off.end_at, reason=off.reason))
        self.session.flush()
        return self._provider(row, self._time_off([row.id]).get(row.id, []) if row.id else [])

    def _time_off(self, provider_ids: list[int]) -> dict[int, list[TimeOffRow]]:
        """Every provider's time off in one statement (never one per provider), in start order."""
        found: dict[int, list[TimeOffRow]] = {}
        if provider_ids:
            for off in self.session.exec(select(TimeOffRow).where(col(TimeOffRow.provider_id).in_(provider_ids))
                                         .order_by(TimeOffRow.start_at)).all():
                found.setdefault(off.provider_id, []).append(off)
        return found

    @staticmethod
    def _provider(row: ProviderRow, offs: list[TimeOffRow]) -> Provider:
        return Provider(
            slug=row.slug, name=row.name, title=row.title, email=row.email, active=row.active, id=row.id,
            hours=tuple(WorkingHours(h["weekday"], time.fromisoformat(h["start"]), time.fromisoformat(h["end"]),
                                     h["location"]) for h in row.hours),
            breaks=tuple(Break(b["weekday"], time.fromisoformat(b["start"]), time.fromisoformat(b["end"]))
                         for b in row.breaks),
            time_off=tuple(TimeOff(o.start_at, o.end_at, o.reason) for o in offs),
            translations=_texts(row.translations),
        )

    # -- categories
    def categories(self) -> list[ServiceCategory]:
        return self._reads.get("categories", self._categories)

    def _categories(self) -> list[ServiceCategory]:
        rows = self.session.exec(select(CategoryRow).order_by(CategoryRow.position, CategoryRow.name)).all()
        return [ServiceCategory(slug=r.slug, name=r.name, position=r.position, id=r.id,
                                translations=_texts(r.translations)) for r in rows]

    def save_category(self, category: ServiceCategory) -> ServiceCategory:
        row = self._by_slug(CategoryRow, category.slug) or CategoryRow(slug=category.slug, name=category.name)
        row.name, row.position, row.translations = category.name, category.position, _texts(category.translations)
        self._store(row)
        return ServiceCategory(slug=row.slug, name=row.name, position=row.position, id=row.id,
                               translations=_texts(row.translations))

    # -- services
    def services(self) -> list[Service]:
        return self._reads.get("services", lambda: self._services(
            select(ServiceRow, CategoryRow.slug).join(CategoryRow).order_by(ServiceRow.name)))

    def service(self, slug: str) -> Service | None:
        return next((s for s in self.services() if s.slug == slug), None)

    def _services(self, query: Any) -> list[Service]:
        pairs = self.session.exec(query).all()
        ids = [row.id for row, _ in pairs]
        providers: dict[int, list[str]] = {i: [] for i in ids}
        forms: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            for sid, slug in self.session.exec(
                select(ServiceProviderRow.service_id, ProviderRow.slug).join(ProviderRow)
                .where(ServiceProviderRow.service_id.in_(ids)).order_by(ProviderRow.slug)):
                providers[sid].append(slug)
            for sid, slug in self.session.exec(
                select(ServiceFormRow.service_id, FormTemplateRow.slug).join(FormTemplateRow)
                .where(ServiceFormRow.service_id.in_(ids)).order_by(ServiceFormRow.position)):
                forms[sid].append(slug)
        return [
            Service(slug=r.slug, name=r.name, category=category, duration_minutes=r.duration_minutes,
                    price=Money(r.price_cents, r.currency), deposit=Money(r.deposit_cents, r.currency),
                    buffer_minutes=r.buffer_minutes, description=r.description, online=r.online,
                    providers=tuple(providers[r.id]), forms=tuple(forms[r.id]), requires_prior=r.requires_prior,
                    id=r.id, translations=_texts(r.translations))
            for r, category in pairs
        ]

    def save_service(self, service: Service) -> Service:
        category = self._by_slug(CategoryRow, service.category)
        if category is None:
            raise LookupError(f"unknown category {service.category!r}")
        row = self._by_slug(ServiceRow, service.slug) or ServiceRow(
            slug=service.slug, name=service.name, category_id=category.id, duration_minutes=service.duration_minutes,
            price_cents=service.price.cents)
        row.category_id, row.name, row.description = category.id, service.name, service.description
        row.duration_minutes, row.buffer_minutes = service.duration_minutes, service.buffer_minutes
        row.price_cents, row.deposit_cents = service.price.cents, service.deposit.cents
        row.currency, row.online = service.price.currency, service.online
        row.requires_prior, row.translations = service.requires_prior, _texts(service.translations)
        self._store(row)
        self.session.exec(delete(ServiceProviderRow).where(ServiceProviderRow.service_id == row.id))
        for slug in service.providers:
            provider = self._by_slug(ProviderRow, slug)
            if provider is None:
                raise LookupError(f"service {service.slug!r} names unknown provider {slug!r}")
            self.session.add(ServiceProviderRow(service_id=row.id, provider_id=provider.id))
        self.session.exec(delete(ServiceFormRow).where(ServiceFormRow.service_id == row.id))
        for position, slug in enumerate(service.forms):
            form = self._by_slug(FormTemplateRow, slug)
            if form is None:
                raise LookupError(f"service {service.slug!r} names unknown form {slug!r}")
            self.session.add(ServiceFormRow(service_id=row.id, form_id=form.id, position=position))
        self.session.flush()
        return self.service(service.slug) or service

    # -- forms
    def forms(self) -> list[FormTemplate]:
        return self._reads.get("forms", self._forms)

    def _forms(self) -> list[FormTemplate]:
        rows = self.session.exec(select(FormTemplateRow).order_by(FormTemplateRow.title)).all()
        return [FormTemplate(slug=r.slug, kind=FormKind(r.kind), title=r.title, body=r.body, id=r.id,
                             translations=_texts(r.translations)) for r in rows]

    def save_form(self, form: FormTemplate) -> FormTemplate:
        row = self._by_slug(FormTemplateRow, form.slug) or FormTemplateRow(
            slug=form.slug, kind=form.kind.value, title=form.title)
        row.kind, row.title, row.body = form.kind.value, form.title, form.body
        row.translations = _texts(form.translations)
        self._store(row)
        return FormTemplate(slug=row.slug, kind=form.kind, title=row.title, body=row.body, id=row.id,
                            translations=_texts(row.translations))

    # -- helpers
    def _by_slug(self, table: Any, slug: str) -> Any:
        return self.session.exec(select(table).where(table.slug == slug)).first()

    def _store(self, row: Any) -> None:
        self._reads.changed()
        self.session.add(row)
        self.session.flush()
