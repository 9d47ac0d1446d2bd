"""Issue 13 §5: every validator of every form is reached by some input.

The forms are found by introspection (every wtforms form class bound to a
name in a practice module); each field's validators and validate_<field>
methods are listed, and INPUTS must hold an input that makes each one
refuse. A new validator without an input here fails
`test_every_validator_has_an_input`; a validator an input can't reach (an
Optional() in front of it, say) fails `test_every_validator_is_reached`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import SimpleNamespace

import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional

import practice
from practice.domain import SAFETY_ITEMS
from practice.web.formtools import CONTROL_MESSAGE, NAME_MESSAGE

LONG = "x" * 20_001
NUL = "a\x00b"
RLO = "Ale\u202ex"


def all_form_classes() -> list[type]:
    """Every form class bound to a name in a practice module (generated ones such as CheckInForm too)."""
    found = {}
    for info in pkgutil.walk_packages(practice.__path__, "practice."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, wtforms.Form) and value.__module__.startswith("practice"):
                found[name] = value
    return sorted(set(found.values()), key=lambda c: c.__qualname__), found


def _form_names() -> dict[type, str]:
    _, found = all_form_classes()
    return {cls: name for name, cls in found.items()}


def validators_of(form_class: type):
    """(owner name, field, validator name, validator) for the refusing validators a form class defines."""
    names = _form_names()
    for field_name in dir(form_class):
        unbound = getattr(form_class, field_name, None)
        if not isinstance(unbound, UnboundField):
            continue
        owner = next(k for k in form_class.__mro__ if field_name in vars(k))
        owner_name = names.get(owner, owner.__name__)
        for validator in unbound.kwargs.get("validators") or ():
            if isinstance(validator, Optional):
                continue  # lets blanks through; what follows it is what must be reachable
            label = getattr(validator, "__name__", type(validator).__name__)
            yield owner_name, field_name, label, validator
        method = f"validate_{field_name}"
        if hasattr(form_class, method):
            owner = next(k for k in form_class.__mro__ if method in vars(k))
            yield names.get(owner, owner.__name__), field_name, method, getattr(form_class, method)


def all_validators() -> dict[tuple[str, str, str], tuple[type, object]]:
    classes, _ = all_form_classes()
    table = {}
    for form_class in classes:
        for owner, field, label, validator in validators_of(form_class):
            table.setdefault((owner, field, label), (form_class, validator))
    return table


GOOD_PASSWORD = "a long and unusual sentence 7"

# (form owner, field, validator) -> (value for that field, other form data, words the refusal must contain or None
# for "the validator's own message").
INPUTS: dict[tuple[str, str, str], tuple] = {
    ("NewPasswordMixin", "confirm", "InputRequired"): ("", {}, None),
    ("NewPasswordMixin", "confirm", "EqualTo"): ("different", {"password": GOOD_PASSWORD}, None),
    ("NewPasswordMixin", "password", "InputRequired"): ("", {}, None),
    ("NewPasswordMixin", "password", "new_password_check"): ("short", {}, "12 characters"),
    ("ProfileFieldsMixin", "credentials", "Length"): ("c" * 61, {}, "60"),
    ("ProfileFieldsMixin", "credentials", "PlainText"): ("<b>", {}, "plain text"),
    ("ProfileFieldsMixin", "credentials", "NameText"): (RLO, {}, NAME_MESSAGE),
    ("ProfileFieldsMixin", "name", "InputRequired"): ("", {}, None),
    ("ProfileFieldsMixin", "name", "Length"): ("n" * 121, {}, "120"),
    ("ProfileFieldsMixin", "name", "PlainText"): ("<b>", {}, "plain text"),
    ("ProfileFieldsMixin", "name", "NameText"): (RLO, {}, NAME_MESSAGE),
    ("AcknowledgeForm", "note", "DataRequired"): ("   ", {}, None),
    ("AcknowledgeForm", "note", "Length"): ("n" * 2001, {}, None),
    ("AcknowledgeForm", "note", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("AmendmentForm", "text", "DataRequired"): ("   ", {}, None),
    ("AmendmentForm", "text", "Length"): (LONG, {}, None),
    ("AmendmentForm", "text", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("AssignForm", "days", "NumberRange"): (str(10**30), {}, None),
    ("AssignForm", "due_date", "InputRequired"): ("", {}, None),
    ("AssignForm", "note", "Length"): ("n" * 2001, {}, None),
    ("AssignForm", "note", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("AssignForm", "role_for_1", "validate_role_for_1"): ("", {}, "please choose"),
    ("AssignForm", "practised_in_session", "validate_practised_in_session"): ("", {}, "practise this together"),
    ("AssignForm", "safety_confirmed", "validate_safety_confirmed"): ("", {}, "Please confirm"),
    ("AssignForm", "safety_reason", "validate_safety_reason"): ("", {}, "Please write why"),
    ("AssignForm", "safety_reason", "Length"): ("n" * 1001, {}, None),
    ("AssignForm", "safety_reason", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("AssignForm", "who", "InputRequired"): ("", {}, None),
    ("CaseloadFilterForm", "q", "Length"): ("q" * 81, {}, None),
    ("ChangeEmailForm", "email", "InputRequired"): ("", {}, None),
    ("ChangeEmailForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("ChangeEmailForm", "email", "Email"): ("not-an-email", {}, None),
    ("ChangePasswordForm", "current_password", "InputRequired"): ("", {}, None),
    ("ChangePasswordForm", "current_password", "Length"): ("p" * 129, {}, None),
    ("CodeForm", "code", "InputRequired"): ("", {}, None),
    ("CodeForm", "code", "Length"): ("1" * 33, {}, None),
    ("ConfirmPasswordForm", "password", "InputRequired"): ("", {}, None),
    ("ConfirmPasswordForm", "password", "Length"): ("p" * 129, {}, None),
    ("CoupleForm", "concerns", "validate_concerns"): (None, {"concerns": ["x"] * 40}, "choose from the list"),
    ("CoupleForm", "stage", "InputRequired"): ("", {}, None),
    ("CoupleForm", "start_date", "InputRequired"): ("", {}, None),
    ("EditCoupleForm", "version", "InputRequired"): ("", {}, None),
    ("EditCoupleForm", "confirm_close", "validate_confirm_close"): ("", {"status": "closed"}, "please tick"),
    ("SignForm", "version", "InputRequired"): ("", {}, None),
    ("ExerciseForm", "instructions", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("ExerciseForm", "purpose", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("ExerciseForm", "roles", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("ExerciseForm", "title", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("EditExerciseForm", "version", "InputRequired"): ("", {}, None),
    ("InviteClinicianForm", "email", "InputRequired"): ("", {}, None),
    ("InviteClinicianForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("InviteClinicianForm", "email", "Email"): ("a@", {}, None),
    ("LibraryFilterForm", "q", "Length"): ("q" * 101, {}, None),
    ("LogFieldForm", "help", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("LogFieldForm", "key", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("LogFieldForm", "label", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("LogFieldForm", "max_label", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("LogFieldForm", "min_label", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("LogFieldForm", "options", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("LoginForm", "email", "InputRequired"): ("", {}, None),
    ("LoginForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("LoginForm", "email", "Email"): ("@@", {}, None),
    ("LoginForm", "password", "InputRequired"): ("", {}, None),
    ("LoginForm", "password", "Length"): ("p" * 129, {}, None),
    ("SessionDetailsForm", "at", "InputRequired"): ("", {}, None),
    ("SessionDetailsForm", "attended", "InputRequired"): ("", {}, None),
    ("SessionDetailsForm", "day", "InputRequired"): ("", {}, None),
    ("SessionDetailsForm", "format", "InputRequired"): ("", {}, None),
    ("SessionDetailsForm", "minutes", "InputRequired"): ("", {}, None),
    ("SessionDetailsForm", "minutes", "NumberRange"): (str(10**30), {}, None),
    ("NoteForm", "couple_summary", "Length"): (LONG, {}, None),
    ("NoteForm", "couple_summary", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("NoteForm", "focus", "Length"): (LONG, {}, None),
    ("NoteForm", "focus", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("NoteForm", "interventions_other", "Length"): (LONG, {}, None),
    ("NoteForm", "interventions_other", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("NoteForm", "observations", "Length"): (LONG, {}, None),
    ("NoteForm", "observations", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("NoteForm", "plan", "Length"): (LONG, {}, None),
    ("NoteForm", "plan", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("NoteForm", "version", "InputRequired"): ("", {}, None),
    ("PartnerForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("PartnerForm", "email", "Email"): ("alex-at-example", {}, None),
    ("PartnerForm", "name", "InputRequired"): ("", {}, None),
    ("PartnerForm", "name", "Length"): ("n" * 81, {}, None),
    ("PartnerForm", "name", "PlainText"): ("<i>", {}, "plain text"),
    ("PartnerForm", "name", "NameText"): (RLO, {}, NAME_MESSAGE),
    ("PartnerForm", "pronouns", "Length"): ("p" * 41, {}, None),
    ("PartnerForm", "pronouns", "PlainText"): ("she<", {}, "plain text"),
    ("PartnerForm", "pronouns", "NameText"): ("she\u200b/her", {}, NAME_MESSAGE),
    ("PartnerLoginForm", "email", "InputRequired"): ("", {}, None),
    ("PartnerLoginForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("PartnerLoginForm", "email", "Email"): ("x", {}, None),
    ("PartnerLoginForm", "password", "InputRequired"): ("", {}, None),
    ("PartnerLoginForm", "password", "Length"): ("p" * 129, {}, None),
    ("PracticeProfileForm", "safety_escalation_hours", "NumberRange"): ("0", {}, "between 1 and 168"),
    ("PracticeProfileForm", "safety_flag_weeks", "NumberRange"): ("0", {}, "between 1 and 52"),
    ("PracticeProfileForm", "export_retention_days", "NumberRange"): ("91", {}, "between 1 and 90"),
    ("CorrectedHandoutForm", "reason", "DataRequired"): ("   ", {}, None),
    ("CorrectedHandoutForm", "reason", "Length"): ("r" * 501, {}, "500"),
    ("CorrectedHandoutForm", "reason", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("ScoreSharingForm", "shares", "InputRequired"): ("", {}, "yes or no"),
    ("PracticeProfileForm", "address", "Length"): ("a" * 501, {}, None),
    ("PracticeProfileForm", "address", "PlainText"): ("<b>", {}, "plain text"),
    ("PracticeProfileForm", "crisis_resources", "Length"): ("c" * 2001, {}, None),
    ("PracticeProfileForm", "emergency_label", "Length"): ("l" * 81, {}, "80"),
    ("PracticeProfileForm", "emergency_label", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("PracticeProfileForm", "emergency_number", "Length"): ("9", {}, "2 to 30"),
    ("PracticeProfileForm", "emergency_number", "Regexp"): ("call 999", {}, "digits, spaces"),
    ("PracticeProfileForm", "crisis_line_label", "Length"): ("l" * 81, {}, "80"),
    ("PracticeProfileForm", "crisis_line_label", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("PracticeProfileForm", "crisis_line_number", "Length"): ("9", {}, "2 to 30"),
    ("PracticeProfileForm", "crisis_line_number", "Regexp"): ("call 999", {}, "digits, spaces"),
    ("PracticeProfileForm", "dv_line_label", "Length"): ("l" * 81, {}, "80"),
    ("PracticeProfileForm", "dv_line_label", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("PracticeProfileForm", "dv_line_number", "Length"): ("9", {}, "2 to 30"),
    ("PracticeProfileForm", "dv_line_number", "Regexp"): ("call 999", {}, "digits, spaces"),
    ("PracticeProfileForm", "crisis_resources", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("PracticeProfileForm", "idle_timeout_minutes", "InputRequired"): ("", {}, None),
    ("PracticeProfileForm", "name", "InputRequired"): ("", {}, None),
    ("PracticeProfileForm", "name", "Length"): ("n" * 121, {}, None),
    ("PracticeProfileForm", "name", "PlainText"): ("<b>", {}, "plain text"),
    ("PracticeProfileForm", "name", "NameText"): ("Harbour\u2067", {}, NAME_MESSAGE),
    ("PracticeProfileForm", "page_size", "InputRequired"): ("", {}, None),
    ("PracticeProfileForm", "phone", "Length"): ("1" * 41, {}, None),
    ("PracticeProfileForm", "phone", "Regexp"): ("call me", {}, None),
    ("PracticeProfileForm", "timezone", "InputRequired"): ("", {}, None),
    ("PracticeProfileForm", "version", "InputRequired"): ("", {}, None),
    ("ResetRequestForm", "email", "InputRequired"): ("", {}, None),
    ("ResetRequestForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("ResetRequestForm", "email", "Email"): ("nope", {}, None),
    ("ReviewForm", "comment", "Length"): ("c" * 4001, {}, None),
    ("ReviewForm", "comment", "PlainText"): (NUL, {}, CONTROL_MESSAGE),
    ("ReviewForm", "version", "InputRequired"): ("", {}, None),
    ("SettingsForm", "version", "InputRequired"): ("", {}, None),
    ("SignupForm", "email", "InputRequired"): ("", {}, None),
    ("SignupForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("SignupForm", "email", "Email"): ("d@", {}, None),
    ("SignupForm", "practice_name", "InputRequired"): ("", {}, None),
    ("SignupForm", "practice_name", "Length"): ("n" * 121, {}, None),
    ("SignupForm", "practice_name", "PlainText"): ("<b>", {}, "plain text"),
    ("SignupForm", "practice_name", "NameText"): ("Harbour\u200f", {}, NAME_MESSAGE),
    ("WelcomeForm", "email", "InputRequired"): ("", {}, None),
    ("WelcomeForm", "email", "Length"): ("e" * 250 + "@x.io", {}, None),
    ("WelcomeForm", "email", "Email"): ("me at home", {}, None),
    # The check-in: required ratings are enforced on sending, the note is bounded.
    **{("CheckInForm", f"q_{key}", "Answered"): ("", {}, "Please answer this")
       for key in ("affection", "appreciated", "closeness", "intimacy", "overall", "time_together",
                   "trust", "understood")},
    **{("CheckInForm", f"q_safety_{item.key}", "Answered"): ("", {}, "Please answer this") for item in SAFETY_ITEMS},
    ("CheckInForm", "q_reach_me", "Answered"): ("", {}, "SKIPS"),
    ("CheckInForm", "q_reach_me", "Length"): ("r" * 400, {}, "nothing has been cut"),
    ("CheckInForm", "q_note", "Answered"): ("", {}, "SKIPS"),
    ("CheckInForm", "q_note", "Length"): ("n" * 5000, {}, "nothing has been cut"),
}

COUPLE = SimpleNamespace(partner=lambda position: SimpleNamespace(name=("Alex", "Sam")[position - 1]))
ROLES = [{"key": "hurt", "label": "Hurt"}, {"key": "hurting", "label": "Hurting"}]
# An exercise declaring every assignment rule, for a couple a safety flag applies to: every check is asked for.
EVERY_RULE = SimpleNamespace(never_shared=True, one_partner_only=False, practise_in_session_first=True,
                             mode="together", vulnerable=True)


def build(form_class: type, formdata: MultiDict):
    """An instance of the form, set up as its view would (choices that depend on the couple)."""
    kwargs = {"formdata": formdata}
    if issubclass(form_class, practice.web.formtools.FlaskForm):
        kwargs["meta"] = {"csrf": False}
    form = form_class(**kwargs)
    if hasattr(form, "set_partners"):
        form.set_partners(COUPLE, ROLES) if "roles" in inspect.signature(form.set_partners).parameters \
            else form.set_partners(COUPLE)
    if hasattr(form, "set_rules"):
        form.set_rules(EVERY_RULE, True)
    if hasattr(form, "set_homework"):
        form.set_homework([], [])
    if hasattr(form, "mark_submitting"):
        form.mark_submitting(True)
    return form


def concrete(owner: str, table) -> type:
    """A form class to try an owner's fields in (a mixin's first user)."""
    return next(form_class for (name, _, _), (form_class, _) in table.items() if name == owner)


def test_every_validator_has_an_input():
    table = all_validators()
    missing = sorted(set(table) - set(INPUTS))
    assert missing == [], "add an input to INPUTS for each new validator"
    assert sorted(set(INPUTS) - set(table)) == [], "remove inputs of validators that no longer exist"
    assert len(table) > 100


@pytest.mark.parametrize("key", sorted(INPUTS), ids="/".join)
def test_every_validator_is_reached(app, key):
    owner, field_name, label = key
    value, others, words = INPUTS[key]
    table = all_validators()
    form_class, validator = table[key]
    data = MultiDict()
    for name, other in others.items():
        for item in other if isinstance(other, list) else [other]:
            data.add(name, item)
    if value is not None:
        data.add(field_name, value)
    with app.test_request_context(method="POST"):
        form = build(form_class, data)
        field = form[field_name]
        inline = getattr(type(form), f"validate_{field_name}", None)  # as Form.validate calls it
        field.validate(form, [inline] if inline else [])
        if words == "SKIPS":  # Answered on an optional prompt: a blank is simply not validated further
            assert field.errors == []
            return
        expected = words or own_message(validator)
        assert any(expected in error for error in field.errors), (key, field.errors)


def own_message(validator) -> str:
    """The words a WTForms validator refuses with: its own message, or WTForms' default."""
    message = getattr(validator, "message", None)
    if message:
        return message.split("%(")[0]
    defaults = {"Length": "longer than", "InputRequired": "This field is required.",
                "DataRequired": "This field is required.", "Email": "Invalid email address."}
    return defaults[type(validator).__name__]
