"""Reading pages like a browser without JavaScript would: visible text, links and forms to submit."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import attrs


def text_of(markup: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def title_of(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert found is not None
    return text_of(found.group(1))


@attrs.define
class Form:
    action: str
    method: str
    fields: dict[str, str] = attrs.field(factory=dict)
    buttons: list[tuple[str, str, str]] = attrs.field(factory=list)  # (name, value, visible text)
    radios: dict[str, list[str]] = attrs.field(factory=dict)
    labels: dict[str, str] = attrs.field(factory=dict)  # input id -> label text

    def data(self, button_text: str | None = None, **changes: str) -> dict[str, str]:
        """What submitting the form sends: its fields, the pressed button's value, and what was typed."""
        sent = dict(self.fields)
        if button_text is not None:
            matching = [(n, v) for n, v, text in self.buttons if text == button_text or text.endswith(button_text)]
            assert matching, f"no button {button_text!r} in {self.buttons}"
            name, value = matching[0]
            if name:
                sent[name] = value
        sent.update(changes)
        return sent


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[tuple[str, str]] = []
        self._link: tuple[str, list[str]] | None = None
        self._button: tuple[str, str, list[str]] | None = None
        self._label: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif tag == "a" and "href" in a:
            self._link = (a["href"], [])
        elif tag == "label":
            self._label = (a.get("for", ""), [])
        elif tag == "button" and self.forms:
            self._button = (a.get("name", ""), a.get("value", ""), [])
        elif tag == "input" and self.forms and "name" in a:
            form, kind = self.forms[-1], a.get("type", "text")
            if kind == "radio":
                form.radios.setdefault(a["name"], []).append(a.get("value", ""))
                if "checked" in a:
                    form.fields[a["name"]] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    form.fields[a["name"]] = a.get("value", "on")
            else:
                form.fields[a["name"]] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        for open_element in (self._link, self._label):
            if open_element is not None:
                open_element[1].append(data)
        if self._button is not None:
            self._button[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join("".join(self._link[1]).split())))
            self._link = None
        elif tag == "label" and self._label is not None and self.forms:
            self.forms[-1].labels[self._label[0]] = " ".join("".join(self._label[1]).split())
            self._label = None
        elif tag == "button" and self._button is not None:
            name, value, text = self._button
            self.forms[-1].buttons.append((name, value, " ".join("".join(text).split())))
            self._button = None


def parse(page: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(page)
    return parser


def forms(page: str, action: str) -> list[Form]:
    found = [f for f in parse(page).forms if f.action == action]
    assert found, f"no form posting to {action}"
    return found


def form(page: str, action: str) -> Form:
    return forms(page, action)[0]


def link(page: str, text: str) -> str:
    """The href of the link whose text is ``text`` (or ends with it, e.g. a visually hidden prefix)."""
    found = [href for href, label in parse(page).links if label == text or label.endswith(text)]
    assert found, f"no link {text!r}"
    return found[0]


def links(page: str) -> list[tuple[str, str]]:
    return parse(page).links
