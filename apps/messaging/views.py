"""Direct messaging pages: parse, call a service or a selector, render. A conversation the
visitor does not take part in is a 404, like one that does not exist."""

import json
from datetime import timedelta

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.reactions import REACTION_ICONS, ReactionKind
from apps.core.text import MENTION
from apps.files import attachments
from apps.files.views import attachment_views
from apps.messaging import selectors, services
from apps.messaging.models import HISTORY_DAYS_MAX, MessageAttachment, SharedHistory, WhoManages
from apps.profiles.selectors import display_name, resolve_handles


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


MISSED_MAX = timedelta(days=3650)


def _errors(error: ValidationError) -> list[str]:
    return error.messages


def _people(text: str) -> tuple[list, list[str]]:
    """The colleagues named in a "To" field (@handles), and the handles nobody answers to."""
    handles = MENTION.findall(text or "")
    resolved = resolve_handles(handles)
    unknown = [h for h in handles if h.lower() not in resolved]
    return list({u.pk: u for u in resolved.values()}.values()), unknown


def _list_context(request, current=None, cursor=None) -> dict:
    rows, next_cursor = selectors.conversation_list(viewer=request.user, cursor=cursor)
    return {"rows": rows, "current": current, "next_cursor": next_cursor}


@require_GET
def index(request):
    return render(request, "messaging/index.html", _list_context(request))


@require_GET
def conversation_list(request):
    """The list, for the page to refresh when a message or a change arrives; with a cursor,
    its next page (older conversations)."""
    current, cursor = _int(request.GET.get("current")), request.GET.get("cursor")
    context = _list_context(request, current=current, cursor=cursor)
    return render(request, "messaging/_list_items.html" if cursor else "messaging/_list.html", context)


@require_GET
def unread(request):
    return JsonResponse({"unread": selectors.unread_total(viewer=request.user)})


def new(request):
    context = _list_context(request) | {"who_manages": WhoManages.choices, "values": request.POST, "errors": []}
    if request.method == "POST":
        people, unknown = _people(request.POST.get("people", ""))
        if unknown:
            context["errors"] = [_("Nobody answers to %(handles)s.") % {"handles": ", ".join("@" + h for h in unknown)}]
        elif not people:
            context["errors"] = [_("Add at least one colleague.")]
        else:
            try:
                if len(people) == 1 and not request.POST.get("name", "").strip():
                    conversation = services.conversation_direct_open(actor=request.user, other=people[0])
                else:
                    conversation = services.conversation_group_create(
                        actor=request.user,
                        name=request.POST.get("name", ""),
                        people=people,
                        who_manages=request.POST.get("who_manages", WhoManages.ANYONE),
                    )
                return redirect("messaging:conversation", conversation.pk)
            except ValidationError as error:
                context["errors"] = _errors(error)
        return render(request, "messaging/new.html", context, status=400)
    return render(request, "messaging/new.html", context)


@require_POST
def direct(request, user_id):
    """ "Send a message" on a profile: the pair's conversation, opened."""
    other = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    try:
        conversation = services.conversation_direct_open(actor=request.user, other=other)
    except ValidationError as error:
        flash.error(request, " ".join(_errors(error)))
        return redirect("people:detail", user_id)
    return redirect("messaging:conversation", conversation.pk)


def _me(request, participants):
    me = next((p for p in participants if p.user_id == request.user.pk), None)
    if me is None:  # left or removed between the two reads
        raise Http404
    return me


def _conversation_context(request, conversation) -> dict:
    participants = selectors.participants_of(conversation=conversation, viewer=request.user)
    me = _me(request, participants)
    page, more = selectors.messages_page(
        viewer=request.user, conversation=conversation, since=_int(request.GET.get("at"))
    )
    return {
        "conversation": conversation,
        "title": selectors.title_of(conversation, viewer=request.user, participants=participants),
        "participants": participants,
        "me": me,
        "page": page,
        "more": more,
        "oldest": page[0].pk if page else None,
        # Where the page's reading starts: the last message shown that the viewer has read
        # (their mark may lie in a gap of theirs, which the page never shows).
        "read_through": max((m.pk for m in page if m.pk <= me.last_read_id), default=0),
        "page_size": selectors.PAGE_SIZE,
        # For "seen by": each other participant's last read message, of those the viewer reads.
        "reads": json.dumps(
            {
                str(p.user_id): {"name": display_name(p.user), "read": p.read_seen or 0}
                for p in participants
                if p.user_id != request.user.pk
            }
        ),
        "limits": attachments.limits(),
        "reactions": [(kind, label, REACTION_ICONS[kind]) for kind, label in ReactionKind.choices],
        "may_manage": conversation.kind == "group"
        and (conversation.who_manages == WhoManages.ANYONE or conversation.creator_id == request.user.pk),
    }


@require_GET
def conversation(request, conversation_id):
    conversation = selectors.conversation_get(viewer=request.user, conversation_id=conversation_id)
    context = _list_context(request, current=conversation.pk) | _conversation_context(request, conversation)
    return render(request, "messaging/conversation.html", context)


def _count(value) -> int | None:
    """A whole number from 0 (a query string's), else None."""
    return int(value) if value is not None and value.isdigit() and len(value) < 19 else None


@require_GET
def history(request, conversation_id):
    """Older messages (`before`), or those after `after` (catching up after a reconnection);
    with `missed` (how many milliseconds the page was not listening) and `from` (its first
    message), also the messages it shows that changed meanwhile (edited, deleted, reacted to)."""
    conversation = selectors.conversation_get(viewer=request.user, conversation_id=conversation_id)
    before, after = _int(request.GET.get("before")), _count(request.GET.get("after"))
    page, more = selectors.messages_page(viewer=request.user, conversation=conversation, before=before, after=after)
    missed = _count(request.GET.get("missed"))
    if after is not None and missed is not None:
        since = timezone.now() - min(timedelta(milliseconds=missed), MISSED_MAX) - selectors.CATCH_UP_MARGIN
        first = _count(request.GET.get("from")) or 0
        changed = selectors.messages_changed(
            viewer=request.user, conversation=conversation, first_id=first, last_id=after, since=since
        )
        page = changed + page
    response = render(
        request,
        "messaging/_history.html",
        {
            "conversation": conversation,
            "page": page,
            "more": more and after is None,
            "oldest": page[0].pk if page else None,
        },
    )
    if after is not None and missed is not None:
        # And where "seen by" each other participant shows now: the receipts it missed.
        participants = selectors.participants_of(conversation=conversation, viewer=request.user)
        response["X-Reads"] = json.dumps(
            {str(p.user_id): p.read_seen or 0 for p in participants if p.user_id != request.user.pk}
        )
    return response


@require_POST
def send(request, conversation_id):
    conversation = selectors.conversation_get(viewer=request.user, conversation_id=conversation_id)
    try:
        message, created = services.message_send(
            actor=request.user,
            conversation=conversation,
            body=request.POST.get("body", ""),
            uploads=request.FILES.getlist("files"),
            client_id=request.POST.get("client_id") or None,
            reply_to_id=_int(request.POST.get("reply_to")),
        )
    except ValidationError as error:
        return HttpResponse(" ".join(_errors(error)), status=400, content_type="text/plain; charset=utf-8")
    except PermissionDenied as error:
        raise Http404 from error
    if not created:  # the same send again: the first one, as it is now
        message = selectors.message_get(viewer=request.user, message_id=message.pk)
    if request.headers.get("HX-Request") or request.headers.get("X-Requested-With"):
        return render(request, "messaging/_message.html", {"message": message})
    return redirect("messaging:conversation", conversation.pk)


@require_POST
def read(request, conversation_id):
    conversation = selectors.conversation_get(viewer=request.user, conversation_id=conversation_id)
    message_id = _int(request.POST.get("message"))
    if message_id is None:
        return HttpResponse(_("Which message?"), status=400)
    try:
        last = services.conversation_read(actor=request.user, conversation=conversation, message_id=message_id)
    except PermissionDenied as error:  # removed meanwhile
        raise Http404 from error
    return JsonResponse({"read": last, "unread": selectors.unread_total(viewer=request.user)})


def settings_view(request, conversation_id):
    conversation = selectors.conversation_get(viewer=request.user, conversation_id=conversation_id)
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rename":
                services.conversation_rename(
                    actor=request.user, conversation=conversation, name=request.POST.get("name", "")
                )
            elif action == "who_manages":
                services.conversation_who_manages_set(
                    actor=request.user, conversation=conversation, who_manages=request.POST.get("who_manages", "")
                )
            elif action == "add":
                people, unknown = _people(request.POST.get("people", ""))
                if unknown:
                    raise ValidationError(
                        _("Nobody answers to %(handles)s.") % {"handles": ", ".join("@" + h for h in unknown)}
                    )
                services.participants_add(
                    actor=request.user,
                    conversation=conversation,
                    people=people,
                    history=request.POST.get("history", SharedHistory.NONE),
                    days=_int(request.POST.get("days")),
                )
            elif action == "remove":
                user = get_object_or_404(get_user_model(), pk=_int(request.POST.get("user")) or 0)
                services.participant_remove(actor=request.user, conversation=conversation, user=user)
            elif action == "mute":
                services.conversation_mute(
                    actor=request.user, conversation=conversation, muted=request.POST.get("muted") == "1"
                )
            elif action == "leave":
                services.conversation_leave(actor=request.user, conversation=conversation)
                flash.success(request, _("You left the conversation."))
                return redirect("messaging:index")
            else:
                raise ValidationError(_("Nothing to do."))
            flash.success(request, _("Saved."))
            return redirect("messaging:settings", conversation.pk)
        except ValidationError as error:
            errors = _errors(error)
        except PermissionDenied as error:
            errors = [str(error) or _("You may not do this.")]
        conversation = selectors.conversation_get(viewer=request.user, conversation_id=conversation_id)
    participants = selectors.participants_of(conversation=conversation)
    me = _me(request, participants)
    context = _list_context(request, current=conversation.pk) | {
        "conversation": conversation,
        "title": selectors.title_of(conversation, viewer=request.user, participants=participants),
        "participants": participants,
        "me": me,
        "errors": errors,
        "who_manages": WhoManages.choices,
        "may_manage": conversation.kind == "group"
        and (conversation.who_manages == WhoManages.ANYONE or conversation.creator_id == request.user.pk),
        "histories": SharedHistory.choices,
        "history_days_max": HISTORY_DAYS_MAX,
        # What was chosen stays chosen when the form comes back with an error.
        "history": request.POST.get("history", SharedHistory.NONE) if errors else SharedHistory.NONE,
        "days": request.POST.get("days", "") if errors else "",
        "people": request.POST.get("people", "") if errors else "",
    }
    return render(request, "messaging/settings.html", context, status=400 if errors else 200)


def _message_answer(request, message):
    """The message as it is now: its HTML for the page that asked, else back to it."""
    if request.headers.get("HX-Request"):
        fresh = selectors.message_get(viewer=request.user, message_id=message.pk)
        return render(request, "messaging/_message.html", {"message": fresh})
    return redirect(reverse("messaging:conversation", args=[message.conversation_id]) + f"#m{message.pk}")


@require_GET
def message(request, message_id):
    """One message as it is now (the page refreshes an edited or deleted one)."""
    return render(
        request,
        "messaging/_message.html",
        {"message": selectors.message_get(viewer=request.user, message_id=message_id)},
    )


def message_edit(request, message_id):
    message = selectors.message_get(viewer=request.user, message_id=message_id)
    if message.sender_id != request.user.pk or message.is_deleted or message.is_event:
        raise Http404
    errors = []
    if request.method == "POST":
        try:
            services.message_edit(actor=request.user, message=message, body=request.POST.get("body", ""))
            return _message_answer(request, message)
        except ValidationError as error:
            errors = _errors(error)
        except PermissionDenied as error:
            raise Http404 from error
    context = _list_context(request, current=message.conversation_id) | {"message": message, "errors": errors}
    return render(request, "messaging/message_edit.html", context, status=400 if errors else 200)


@require_POST
def message_delete(request, message_id):
    message = selectors.message_get(viewer=request.user, message_id=message_id)
    try:
        services.message_delete(actor=request.user, message=message)
    except (ValidationError, PermissionDenied) as error:
        raise Http404 from error
    return _message_answer(request, message)


@require_POST
def message_react(request, message_id):
    message = selectors.message_get(viewer=request.user, message_id=message_id)
    try:
        services.message_react(actor=request.user, message=message, kind=request.POST.get("kind", ""))
    except ValidationError as error:
        return HttpResponse(" ".join(_errors(error)), status=400, content_type="text/plain; charset=utf-8")
    except PermissionDenied as error:
        raise Http404 from error
    return _message_answer(request, message)


@require_GET
def search(request):
    query = request.GET.get("q", "")[:200]
    rows, more = selectors.message_search(viewer=request.user, query=query, before=_int(request.GET.get("before")))
    return render(
        request,
        "messaging/search.html",
        _list_context(request) | {"query": query, "results": rows, "more": more, "next": rows[-1].pk if rows else None},
    )


# A message's files: someone who left the conversation loses its files too.
attachment, attachment_thumbnail = attachment_views(MessageAttachment, tag="m")
