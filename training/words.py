"""Words for people: counted nouns with real plurals, readable names for content codes."""

from __future__ import annotations

# How a question type is named to people (the content files keep the codes).
QUESTION_TYPE_LABELS = {
    "single": "Single choice",
    "multiple": "Multiple choice",
    "true_false": "True or false",
}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """Return "1 question" or "3 questions" (plural: the plural form when not noun + "s")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def competency_note(title: str, competency: str) -> str | None:
    """Return the competency's label to show beside a module title, None when it repeats it."""
    from training.models import COMPETENCY_LABELS

    label = COMPETENCY_LABELS.get(competency, competency)
    return None if label.casefold() == title.casefold() else label


def question_type_label(code: str) -> str:
    """Return the readable name of a question type ("True or false" for true_false)."""
    return QUESTION_TYPE_LABELS.get(code, code.replace("_", " ").capitalize())
