"""Every sentence the core can raise to a patient has a Spanish translation, and is written so it can have one.

The messages are found in the source: the first argument (and ``plural=``) of every call to an error class,
whether written in place, named by a module constant, or looked up in a module's table of sentences.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

import portal_web
import portalcore
from portalcore.domain.errors import PortalError

CORE = Path(portalcore.__file__).parent
# Read by staff at the CLI and the front desk, in English: the clinic file, `portal settings`, the patient
# directory, start-up and settings, and the adapters' messages for operators, except those a patient meets.
STAFF_ONLY = ("services/clinic/setup.py", "services/clinic/settings.py", "services/patients/", "adapters/",
              "bootstrap.py", "settings.py")
PATIENT_FACING = ("adapters/payments/", "adapters/webauthn_passkeys.py", "adapters/sql/access_repository.py")
# Errors whose first argument is not a message: the message is chosen inside the class, or is written for
# operators (configuration errors are logged, and the pages say only that booking is unavailable).
NOT_A_MESSAGE = {"TooManyAttempts", "ConfigurationError", "TextsUsedUp"}
# Sentences passed on through a local variable; they are the `why_…` sentences of domain/policies.py, which
# are declared as module constants (and so are found below).
PASSED_ON = {("services/visits/changes.py", "refusal")}
SENTENCE = re.compile(r"[A-Z].* .*[.?!]")


def core_files() -> Iterator[tuple[str, Path]]:
    for path in sorted(CORE.rglob("*.py")):
        where = path.relative_to(CORE).as_posix()
        if not where.startswith(STAFF_ONLY) or where.startswith(PATIENT_FACING):
            yield where, path


def error_classes() -> set[str]:
    for _, path in core_files():
        importlib.import_module(module_name(path))
    found, todo = set(), [PortalError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def strings(node: ast.expr, module: object) -> Iterator[str | ast.expr]:
    """The sentences an argument can be; an expression that is not one of them is yielded as is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from strings(node.body, module)
        yield from strings(node.orelse, module)
    elif isinstance(node, ast.Name) and isinstance(getattr(module, node.id, None), str):
        yield getattr(module, node.id)
    elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
            and isinstance(getattr(module, node.value.id, None), dict):
        yield from getattr(module, node.value.id).values()
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and isinstance(node.func.value, ast.Name) and isinstance(getattr(module, node.func.value.id, None), dict):
        yield from getattr(module, node.func.value.id).values()  # a table of sentences, and its default
        yield from (text for arg in node.args[1:] for text in strings(arg, module))
    else:
        yield node


def declared(tree: ast.Module, module: object) -> Iterator[str]:
    """The sentences a module declares as constants (``GONE = "Sorry, …"``): raised or shown as they are."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            value = getattr(module, name, None)
            if name.isupper() and isinstance(value, str) and SENTENCE.fullmatch(value):
                yield value


def core_messages() -> tuple[set[str | tuple[str, str]], list[str]]:
    """(every message id the core raises, where a message is not written as one)."""
    classes, messages, problems = error_classes(), set(), []
    for where, path in core_files():
        module = importlib.import_module(module_name(path))
        tree = ast.parse(path.read_text())
        messages.update(declared(tree, module))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            is_super = (isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"
                        and isinstance(node.func.value, ast.Call) and getattr(node.func.value.func, "id", "") == "super")
            if not (name in classes - NOT_A_MESSAGE or is_super) or not node.args:
                continue
            plural = next((k.value for k in node.keywords if k.arg == "plural"), None)
            for text in strings(node.args[0], module):
                if isinstance(text, ast.expr):
                    if not is_super and (where, ast.unparse(text)) not in PASSED_ON:
                        problems.append(f"{where}:{node.lineno}: {ast.unparse(text)}")
                elif plural is None:
                    messages.add(text)
                else:
                    assert isinstance(plural, ast.Constant), f"{where}:{node.lineno}: the plural is not written out"
                    messages.add((text, plural.value))
    return messages, problems


def spanish() -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    po_file = Path(portal_web.__file__).parent / "locale/es/LC_MESSAGES/messages.po"
    with po_file.open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id and not m.fuzzy}


def test_the_core_writes_every_message_as_a_message_id_with_its_values_apart() -> None:
    messages, problems = core_messages()

    assert problems == []  # an f-string or a computed sentence cannot be found in the catalogue
    assert "That code is not right. Please ask for a new code." in messages
    assert ("That code is not right. %(count)s try left.", "That code is not right. %(count)s tries left.") \
        in messages


def test_every_message_the_core_raises_has_a_spanish_translation() -> None:
    messages, catalog = core_messages()[0], spanish()

    assert sorted(map(str, messages - set(catalog))) == []
    for english in messages:
        translated = catalog[english]
        forms = translated if isinstance(translated, tuple) else (translated,)
        wanted = sorted(set(re.findall(r"%\(\w+\)s", "".join(english if isinstance(english, tuple) else [english]))))
        for form in forms:
            assert form, english
            assert sorted(set(re.findall(r"%\(\w+\)s", form))) == wanted, english
