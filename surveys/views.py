"""Public resident pages: the household's page, its demand list and its ballot (with the household
code, through residents.session), and the public tally. Phone first, no JavaScript needed, CSRF on
every form. Pages show a household only its own choices; the tally shows aggregates only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from projects.models import CatalogueItem
from residents.forms import one_newline
from residents.selectors import household_reports
from residents.session import current_household, household_required, redirect_to_entry, session_claim

from .choices import SCALE_VALUES, BallotChannel, QuestionKind, QuestionnaireStatus, SubmissionChannel
from .forms import BallotForm, DemandForm
from .models import Ballot, DemandSubmission, Questionnaire, Response
from .selectors import (
    current_demand_submission,
    demand_menu,
    household_demand_list,
    open_vote_for,
    public_vote,
    resident_home,
)
from .services import ANSWER_TEXT_MAX, ballot_cast, demand_submit, demand_submit_quick, response_submit
from .tally import tally


# More menu items than a district's menu holds: the quick path leaves such a POST to the form.
DEMAND_QUICK_ITEMS_MAX = 100


def _errors_into(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


@never_cache
@household_required
def home(request, household):
    """The signed-in household's page: open demand lists and votes, with what it already did, and
    the problems it reported with their answers (residents' reports, 随时反馈)."""
    lists, votes, questionnaires = resident_home(household)
    return render(
        request,
        "surveys/home.html",
        {
            "household": household,
            "lists": lists,
            "votes": votes,
            "questionnaires": questionnaires,
            "reports": household_reports(household),
        },
    )


def _demand_post_quick(request, list_id):
    """The receipt of a demand form POST taken in two statements (demand_submit_quick), or None
    when it needs the general path: photos attached, an input the form would refuse, or anything
    the service declines (the general path then finds the cause and shows it)."""
    claim = session_claim(request)
    if claim is None or request.FILES:
        return None
    posted_items = request.POST.getlist("items")
    if len(posted_items) > DEMAND_QUICK_ITEMS_MAX or not all(
        pk.isascii() and pk.isdigit() and len(pk) <= 9 for pk in posted_items
    ):
        return None
    try:
        text = DemandForm.base_fields["text"].clean(request.POST.get("text", ""))
    except ValidationError:
        return None
    household_id, code_check = claim
    return demand_submit_quick(
        list_pk=list_id,
        household_pk=household_id,
        code_check=code_check,
        item_pks=[int(pk) for pk in posted_items],
        text=text.strip(),
    )


@never_cache
def demand_form(request, list_id):
    posted = request.method == "POST"
    if posted:
        receipt = _demand_post_quick(request, list_id)
        if receipt is not None:
            return redirect("surveys:demand_receipt", receipt=receipt)
    # The general path: the page, and a POST that the quick path left (it reads only the rows it
    # checks and writes; the project is read for the page alone).
    household = current_household(request, related=not posted)
    if household is None:
        return redirect_to_entry(request)
    demand_list = household_demand_list(household, list_id, with_project=not posted)
    if demand_list is None:
        raise Http404(_("没有这份需求清单。"))
    if not demand_list.is_open:
        messages.info(request, _("本小区的需求清单征集已经结束。"))
        return redirect("surveys:home")
    menu_items = CatalogueItem.objects.offered_in(demand_list.neighbourhood.community.street.district_id)
    status = 200
    if request.method == "POST":
        form = DemandForm(request.POST, request.FILES, menu_items=menu_items.order_by())
        if form.is_valid():
            try:
                submission = demand_submit(
                    demand_list=demand_list,
                    household=household,
                    items=form.cleaned_data["items"],
                    text=form.cleaned_data["text"],
                    photos=form.uploaded_photos(),
                    channel=SubmissionChannel.ONLINE,
                )
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                return redirect("surveys:demand_receipt", receipt=submission.receipt)
        status = 400
    # Read only to show the form: a POST that is accepted does not need it (issue 14).
    current = current_demand_submission(demand_list, household)
    if request.method != "POST":
        initial = (
            {"items": list(current.items.values_list("pk", flat=True)), "text": current.text}
            if current
            else {}
        )
        form = DemandForm(initial=initial, menu_items=menu_items)
    chosen = {str(v) for v in (form["items"].value() or [])}
    return render(
        request,
        "surveys/demand_form.html",
        {
            "household": household,
            "demand_list": demand_list,
            "form": form,
            "groups": demand_menu(demand_list),
            "chosen": chosen,
            "current": current,
        },
        status=status,
    )


@never_cache
@household_required
def demand_receipt(request, household, receipt):
    submission = (
        DemandSubmission.objects.select_related("demand_list__project", "demand_list__neighbourhood")
        .prefetch_related("items", "photos")
        .filter(receipt=receipt, household=household)
        .first()
    )
    if submission is None:
        raise Http404(_("没有这张回执。"))
    return render(request, "surveys/demand_receipt.html", {"household": household, "submission": submission})


@never_cache
@household_required
def vote_form(request, household, vote_id):
    vote = open_vote_for(household, vote_id)
    if vote is None:
        public = public_vote(vote_id)
        if public is None:
            raise Http404(_("没有这项表决。"))
        messages.info(request, _("该表决当前不在表决期内，或您的住户不在表决范围内。"))
        return redirect("surveys:tally", vote_id=vote_id)
    mine = Ballot.objects.filter(vote=vote, household=household).first()
    status = 200
    if request.method == "POST":
        form = BallotForm(request.POST)
        if form.is_valid():
            try:
                ballot_cast(
                    vote=vote,
                    household=household,
                    choice=form.cleaned_data["choice"],
                    channel=BallotChannel.ONLINE,
                )
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                return redirect("surveys:vote_receipt", vote_id=vote.pk)
        status = 400
    else:
        form = BallotForm(initial={"choice": mine.choice} if mine else None)
    return render(
        request,
        "surveys/vote_form.html",
        {"household": household, "vote": vote, "form": form, "mine": mine},
        status=status,
    )


@never_cache
@household_required
def vote_receipt(request, household, vote_id):
    ballot = Ballot.objects.select_related("vote").filter(vote_id=vote_id, household=household).first()
    if ballot is None:
        raise Http404(_("您尚未参加这项表决。"))
    return render(request, "surveys/vote_receipt.html", {"household": household, "ballot": ballot})


def tally_page(request, vote_id):
    """The public tally of a vote: every figure behind the verdict, aggregates only. While the vote
    is open the figures are live; once closed, the stored result of the count is shown."""
    vote = public_vote(vote_id)
    if vote is None:
        raise Http404(_("没有这项表决。"))
    result = vote.result if vote.result else tally(vote).to_dict()
    return render(request, "surveys/tally.html", {"vote": vote, "result": result})


def _posted_answers(request, questions):
    answers = {}
    for question in questions:
        name = f"q{question.pk}"
        if question.kind == QuestionKind.MULTIPLE:
            answers[question.pk] = request.POST.getlist(name)
        else:
            answers[question.pk] = one_newline(request.POST.get(name, ""))
    return answers


def _given_answers(response):
    """{question id: value} as the form shows it: option ids as strings, the text, the score."""
    given = {}
    for answer in response.answers.prefetch_related("options"):
        if answer.scale is not None:
            given[answer.question_id] = str(answer.scale)
        elif answer.text:
            given[answer.question_id] = answer.text
        else:
            given[answer.question_id] = [str(o.pk) for o in answer.options.all()]
    return given


@never_cache
@household_required
def questionnaire_form(request, household, questionnaire_id):
    """A questionnaire for the signed-in household: one response, replaceable until it closes."""
    questionnaire = Questionnaire.objects.filter(
        pk=questionnaire_id, neighbourhood_id=household.neighbourhood_id, status=QuestionnaireStatus.OPEN
    ).first()
    if questionnaire is None:
        raise Http404(_("没有正在进行的这份问卷。"))
    questions = list(questionnaire.questions.prefetch_related("options").order_by("order"))
    response = Response.objects.filter(questionnaire=questionnaire, household=household).first()
    errors, status = [], 200
    if request.method == "POST":
        given = _posted_answers(request, questions)
        try:
            response_submit(questionnaire=questionnaire, household=household, answers=given)
        except ValidationError as exc:
            errors, status = exc.messages, 400
        else:
            messages.success(request, _("问卷已提交，谢谢您的参与。问卷结束前可以修改。"))
            return redirect("surveys:home")
    else:
        given = _given_answers(response) if response else {}
    rows = []
    for question in questions:
        value = given.get(question.pk)
        chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)} if value else set()
        rows.append(
            {
                "question": question,
                "chosen": chosen,
                "text": value if isinstance(value, str) else "",
                "scale": SCALE_VALUES,
                "field_id": f"q{question.pk}-text",
            }
        )
    return render(
        request,
        "surveys/questionnaire_form.html",
        {
            "household": household,
            "questionnaire": questionnaire,
            "rows": rows,
            "errors": errors,
            "response": response,
            "answer_max": ANSWER_TEXT_MAX,
        },
        status=status,
    )
