"""The content format (version 1): one pydantic model per YAML mapping.

These models are the single source of truth for the module format. The loader
(`training.loader`) validates against them, `python -m training schema` prints
their JSON Schema, and the field table in `content/README.md` is generated from
their field descriptions.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1

KEBAB_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Competency(str, Enum):  # noqa: UP042 (StrEnum would change str() of members)
    """The competency frame: the eight basic customer needs plus foundations."""

    foundations = "foundations"
    empathy = "empathy"
    enthusiastic_service = "enthusiastic-service"
    knowledgeable_service = "knowledgeable-service"
    personal_recognition = "personal-recognition"
    prompt_attention = "prompt-attention"
    respectful_treatment = "respectful-treatment"
    sincerity = "sincerity"
    timely_service = "timely-service"


COMPETENCY_LABELS: dict[str, str] = {
    "foundations": "Foundations",
    "empathy": "Empathy",
    "enthusiastic-service": "Enthusiastic service",
    "knowledgeable-service": "Knowledgeable service",
    "personal-recognition": "Personal recognition",
    "prompt-attention": "Prompt attention",
    "respectful-treatment": "Respectful treatment",
    "sincerity": "Sincerity",
    "timely-service": "Timely service",
}

# The eight needs, in the order the profile charts show them.
CUSTOMER_NEEDS: tuple[str, ...] = tuple(c for c in COMPETENCY_LABELS if c != "foundations")


class FeedbackMode(str, Enum):  # noqa: UP042
    """When a learner sees per-question feedback."""

    immediate = "immediate"
    after_submit = "after_submit"
    on_pass = "on_pass"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class Option(_Strict):
    """One answer option of a single or multiple choice question."""

    text: NonEmpty = Field(description="What the learner reads. Markdown allowed.")
    correct: bool = Field(False, description="true for a right answer; leave out for a wrong one.")
    feedback: str | None = Field(
        None, description="Shown when the learner chose this option: why it is right or wrong."
    )


class Question(_Strict):
    """One quiz question in the module's pool."""

    id: Annotated[str, Field(pattern=KEBAB_ID, max_length=64)] = Field(
        description="Unique in the module, e.g. emp-01. Never reuse an id for a different question."
    )
    type: Literal["single", "multiple", "true_false"] = Field(
        description=(
            "single: one right option; multiple: tick every right option; "
            "true_false: a statement that is true or false."
        )
    )
    scenario: str | None = Field(None, description="Optional situation shown above the prompt.")
    prompt: NonEmpty = Field(description="The question itself.")
    options: list[Option] | None = Field(
        None, description="For single and multiple: two or more options. Not used by true_false."
    )
    answer: bool | None = Field(
        None, description="For true_false only: whether the statement in the prompt is true."
    )
    explanation: str | None = Field(
        None, description="The lesson of the question, shown with the feedback."
    )


class Lesson(_Strict):
    """One short lesson: a title and a Markdown body."""

    title: NonEmpty = Field(description="The lesson heading.")
    body: NonEmpty = Field(description="Markdown. Raw HTML is shown as text, never rendered.")
    key_points: list[NonEmpty] = Field(
        default_factory=list, description="Optional: two to four points to remember."
    )


class Quiz(_Strict):
    """The module's quiz: pass mark, how many questions are drawn, and the pool."""

    pass_mark: int = Field(80, ge=1, le=100, description="Percent needed to pass, 1 to 100.")
    questions_per_attempt: int | None = Field(
        None, ge=1, description="Drawn at random from the pool for each attempt; default: all."
    )
    max_attempts: int | None = Field(
        None, ge=1, description="Optional limit on attempts; leave out for unlimited."
    )
    feedback: FeedbackMode = Field(
        FeedbackMode.after_submit,
        description="immediate (after each answer), after_submit (on the results page) or on_pass.",
    )
    questions: list[Question] = Field(min_length=1, description="The question pool.")


class Module(_Strict):
    """A training module: lessons and a quiz, stored as content/<id>.yaml."""

    id: Annotated[str, Field(pattern=KEBAB_ID, max_length=64)] = Field(
        description=(
            "Lowercase words joined by hyphens, the same as the file name without .yaml "
            "(e.g. prompt-attention). Unique; never reuse it for another module."
        )
    )
    title: NonEmpty = Field(description="Shown in lists and on certificates.")
    competency: Competency = Field(
        description=(
            "One of the eight customer needs (e.g. empathy, prompt-attention) or foundations."
        )
    )
    summary: NonEmpty = Field(description="One sentence: what the learner gets from the module.")
    estimated_minutes: int = Field(ge=1, le=600, description="Rough time to finish, in minutes.")
    valid_for_days: int | None = Field(
        None, ge=1, description="Optional: a pass expires after this many days and is due again."
    )
    lessons: list[Lesson] = Field(min_length=1, description="One or more lessons, in order.")
    quiz: Quiz = Field(description="The quiz.")

    def question(self, question_id: str) -> Question | None:
        """Return the question with this id, or None."""
        return next((q for q in self.quiz.questions if q.id == question_id), None)
