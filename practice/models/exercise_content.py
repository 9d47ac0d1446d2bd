"""The one set of rules every exercise obeys, whether it comes from a file or the builder.

Pydantic models, so the limits are declared once and every broken rule comes
back with its location (`prompts.2.options`), which the loader prints next
to the file name and the builder maps back onto its form fields. Messages
are written for therapists, because the builder shows them as they are.
"""

import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from practice.domain import HTML_TAG, NO_TAGS_MESSAGE, Area, Mode, Stage, Strategy

MAX_PROMPTS = 15
MAX_LOG_FIELDS = 5
MAX_OPTIONS = 12
SCALE_POINTS = tuple(range(7))  # every rating runs 0..6, with a label at each end

_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MARKDOWN_LINK = re.compile(r"\]\(")


def _fail(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context)


STORED = "stored"  # validation context of a version read back: rules added since it was saved don't apply


def text(max_length: int, *, markdown: bool = False) -> Any:
    """A non-blank string of at most `max_length` characters, trimmed; words for partners, so no HTML tags.

    `markdown` text is checked for tags by `_plain_markdown`, which says how to format instead.
    """

    def check(value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value:
            raise _fail("blank", "Please fill this in.")
        if not markdown and HTML_TAG.search(value) and not (info.context or {}).get(STORED):
            raise _fail("html", NO_TAGS_MESSAGE)
        if len(value) > max_length:
            raise _fail(
                "too_long", "Please keep this to {max} characters or fewer (it has {length}).",
                max=max_length, length=len(value),
            )
        return value

    return Annotated[StrictStr, AfterValidator(check)]


def whole_number(low: int, high: int) -> Any:
    """An integer from `low` to `high` (booleans are not numbers here)."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise _fail("out_of_range", "Please enter a whole number from {low} to {high}.", low=low, high=high)
        return value

    return Annotated[StrictInt, AfterValidator(check)]


def counted(item: Any, low: int, high: int, noun: tuple[str, str], verb: str = "add") -> Any:
    """A list of `low` to `high` items, with a message that names them: noun is (singular, plural)."""
    one, many = noun

    def check(items: list) -> list:
        if len(items) < low:
            wanted = f"one {one}" if low == 1 else f"{low} {many}"
            raise _fail("too_few", "Please {verb} at least {wanted}.", verb=verb, wanted=wanted)
        if len(items) > high:
            raise _fail("too_many", "Please keep to {high} {many} at most.", high=high, many=many)
        return items

    return Annotated[list[item], AfterValidator(check)]


def _check_key(value: str) -> str:
    if not _KEY.match(value) or len(value) > 40:
        raise _fail(
            "bad_key",
            "Please use up to 40 lowercase letters, digits and underscores, starting with a letter "
            "(for example: first_feeling).",
        )
    return value


def _check_slug(value: str) -> str:
    if not _SLUG.match(value) or len(value) > 80:
        raise _fail("bad_slug", "Please use lowercase letters, digits and hyphens (for example: seeing-our-cycle).")
    return value


def _one_paragraph(value: str) -> str:
    if "\n\n" in value:
        raise _fail("paragraphs", "Please keep this to one paragraph.")
    return value


def _plain_markdown(value: str) -> str:
    if HTML_TAG.search(value):
        raise _fail("html", "Please use Markdown rather than HTML tags; partners would not see the tags.")
    if _MARKDOWN_LINK.search(value):
        raise _fail("link", "Links and images aren't shown to partners; please write an address out as plain text.")
    return value


Key = Annotated[StrictStr, AfterValidator(_check_key)]
Slug = Annotated[StrictStr, AfterValidator(_check_slug)]
Label = text(300)


class Rules(BaseModel):
    """Unknown settings are mistakes, and validated content never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Rules):
    """One answer of a choice prompt: a stable value and what partners read."""

    value: Key
    label: Label


class Role(Rules):
    """A part one partner plays in an exercise, such as "the partner who was hurt"."""

    key: Key
    label: text(120)


class BasePrompt(Rules):
    """What every prompt has."""

    key: Key
    label: Label
    help: text(500) | None = None
    required: StrictBool = True
    role: Key | None = None


class LongText(BasePrompt):
    type: Literal["long_text"]
    max_length: whole_number(1, 20_000) = 4000


class ShortText(BasePrompt):
    type: Literal["short_text"]
    max_length: whole_number(1, 300) = 200


class Scale(BasePrompt):
    type: Literal["scale"]
    min_label: text(40)
    max_label: text(40)


Options = counted(Option, 2, MAX_OPTIONS, ("option", "options"))


class ChoicePrompt(BasePrompt):
    """Single or multiple choice from 2 to 12 options with distinct values.

    `raises_safety_flag` names the options that, once sent, raise the partner's private safety flag
    exactly as a safety answer in a check-in does.
    """

    options: Options
    raises_safety_flag: list[Key] = []

    @field_validator("options")
    @classmethod
    def _distinct_values(cls, options: list[Option]) -> list[Option]:
        _refuse_repeats([o.value for o in options], "Each option needs its own value; {repeated} is used twice.")
        return options

    @field_validator("raises_safety_flag")
    @classmethod
    def _known_options(cls, values: list[str], info: ValidationInfo) -> list[str]:
        if "options" not in info.data:
            return values  # the options themselves are wrong, and say so; judging against them would only add noise
        known = {o.value for o in info.data["options"]}
        for value in values:
            if value not in known:
                raise _fail("unknown_option", "“{value}” isn't one of this question's options.", value=value)
        return values


class SingleChoice(ChoicePrompt):
    type: Literal["single_choice"]


class MultiChoice(ChoicePrompt):
    type: Literal["multi_choice"]
    max_choices: whole_number(1, MAX_OPTIONS) | None = None

    @field_validator("max_choices")
    @classmethod
    def _not_more_than_options(cls, value: int | None, info: ValidationInfo) -> int | None:
        options = info.data.get("options")
        if value is not None and options and value > len(options):
            raise _fail("too_many_choices", "This can't be more than the number of options ({count}).", count=len(options))
        return value


LogField = Annotated[LongText | ShortText | Scale | SingleChoice | MultiChoice, Field(discriminator="type")]
LogFields = counted(LogField, 1, MAX_LOG_FIELDS, ("question for each day", "questions for each day"))


class DailyLog(BasePrompt):
    """The same few questions, answered once a day for `days` days."""

    type: Literal["daily_log"]
    days: whole_number(1, 31) = 7
    fields: LogFields

    @field_validator("fields")
    @classmethod
    def _distinct_and_roleless(cls, fields: list[BasePrompt]) -> list[BasePrompt]:
        _refuse_repeats([f.key for f in fields], "Each question needs its own short name; {repeated} is used twice.")
        if any(f.role for f in fields):
            raise _fail("role_in_log", "The questions of a daily log can't have a role of their own.")
        return fields


Prompt = Annotated[LongText | ShortText | Scale | SingleChoice | MultiChoice | DailyLog, Field(discriminator="type")]
PROMPT_TYPES: tuple[str, ...] = ("long_text", "short_text", "scale", "single_choice", "multi_choice", "daily_log")
Prompts = counted(Prompt, 1, MAX_PROMPTS, ("question", "questions"))
Areas = counted(Area, 1, 3, ("area", "areas"), verb="choose")


class ExerciseContent(Rules):
    """Everything an exercise says: what a version snapshots and what partners see."""

    title: text(120)
    purpose: Annotated[text(600), AfterValidator(_one_paragraph)]
    instructions: Annotated[text(3000, markdown=True), AfterValidator(_plain_markdown)]
    minutes: whole_number(5, 120)
    mode: Mode
    areas: Areas
    strategy: Strategy
    stage: Stage
    show_crisis_resources: StrictBool = False
    # What is safe, declared once for built-ins and the builder alike (README, "Safety"):
    never_shared: StrictBool = False  # answers go to the therapist only; "shared once both sent" is refused
    one_partner_only: StrictBool = False  # given to one partner, and absent from everything couple-facing
    practise_in_session_first: StrictBool = False  # the therapist confirms the in-session step before assigning
    safety_line: StrictBool = False  # partners read the standard "if you are afraid of your partner" line
    vulnerable: StrictBool = False  # asks for softening, reaching, disclosure, trust repair or sexual intimacy
    needs_named_concern: StrictBool = False  # suggested only when one of its areas is a named concern
    roles: list[Role] = []
    prompts: Prompts

    @field_validator("one_partner_only")
    @classmethod
    def _one_partner_is_individual(cls, value: bool, info: ValidationInfo) -> bool:
        if value and (info.data.get("mode") == Mode.TOGETHER or not info.data.get("never_shared")):
            raise _fail("one_partner", "An exercise for one partner only is done alone and never shared.")
        return value

    @field_validator("areas")
    @classmethod
    def _distinct_areas(cls, areas: list[Area]) -> list[Area]:
        _refuse_repeats([a.value for a in areas], "Please choose each area once; {repeated} is listed twice.")
        return areas

    @field_validator("roles")
    @classmethod
    def _two_roles_or_none(cls, roles: list[Role]) -> list[Role]:
        if len(roles) not in (0, 2):
            raise _fail("roles", "Please give exactly two roles, one for each partner, or none.")
        _refuse_repeats([r.key for r in roles], "Each role needs its own short name; {repeated} is used twice.")
        return roles

    @field_validator("prompts")
    @classmethod
    def _distinct_keys_and_known_roles(cls, prompts: list[BasePrompt], info: ValidationInfo) -> list[BasePrompt]:
        _refuse_repeats([p.key for p in prompts], "Each question needs its own short name; {repeated} is used twice.")
        roles = {r.key: r.label for r in info.data.get("roles", [])}
        for prompt in prompts:
            if prompt.role and prompt.role not in roles:
                raise _fail("unknown_role", "The question “{label}” is for a role that isn't listed.", label=prompt.label)
        unused = [label for key, label in roles.items() if key not in {p.role for p in prompts}]
        if unused:
            raise _fail("unused_role", "Please give “{role}” at least one question of their own.", role=unused[0])
        return prompts

    @field_validator("prompts")
    @classmethod
    def _flag_raising_answers_stay_private(cls, prompts: list[BasePrompt], info: ValidationInfo) -> list[BasePrompt]:
        """An answer that raises the safety flag must never reach the partner, so such an exercise is never shared."""
        questions = [*prompts, *(f for p in prompts for f in getattr(p, "fields", []))]
        if not info.data.get("never_shared") and any(getattr(q, "raises_safety_flag", None) for q in questions):
            raise _fail("flag_shared", "An exercise with answers that raise the safety flag must be never shared, "
                                       "so the partner can never read them.")
        return prompts

    def prompts_for(self, role: str | None) -> list[BasePrompt]:
        """The prompts one role answers (all of them when no role is given)."""
        return [p for p in self.prompts if role is None or p.role in (None, role)]

    def as_data(self) -> dict:
        """Plain JSON-ready data with defaults filled in, the form versions store."""
        return self.model_dump(mode="json", exclude_none=True)

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON: equal content, equal hash, whatever the key order."""
        canonical = json.dumps(self.as_data(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class ExerciseFile(ExerciseContent):
    """A built-in exercise file: the content plus the slug that names it for good."""

    slug: Slug

    def content(self) -> ExerciseContent:
        """The exercise without its file identity."""
        return ExerciseContent.model_validate(self.model_dump(exclude={"slug"}))


def _refuse_repeats(values: list[str], message: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise _fail("repeated", message, repeated=f"“{value}”")
        seen.add(value)


# Pydantic's own errors, in the same voice as ours (files mostly meet these).
_PLAIN_MESSAGES = {
    "missing": "This is required.",
    "extra_forbidden": "This isn't a setting an exercise can have.",
    "string_type": "This should be text.",
    "int_type": "This should be a whole number.",
    "bool_type": "This should be true or false.",
    "list_type": "This should be a list.",
    "model_type": "This should be a group of settings.",
    "model_attributes_type": "This should be a group of settings.",
    "enum": "Please choose one of: {expected}.",
    "literal_error": "Please choose one of: {expected}.",
    "union_tag_invalid": "“{tag}” isn't a question type; please use one of: {expected_tags}.",
    "union_tag_not_found": "Please give the type of this question (one of: " + ", ".join(PROMPT_TYPES) + ").",
}


def describe(error: ErrorDetails) -> str:
    """A readable sentence for one validation error."""
    template = _PLAIN_MESSAGES.get(error["type"])
    if template is None:
        return error["msg"]
    return template.format(**{key: str(value) for key, value in (error.get("ctx") or {}).items()})


def location(error: ErrorDetails) -> tuple[str | int, ...]:
    """The error's path through the content, without pydantic's union tags."""
    path: list[str | int] = []
    for part in error["loc"]:
        if isinstance(part, str) and part in PROMPT_TYPES and path and isinstance(path[-1], int):
            continue
        path.append(part)
    return tuple(path)
