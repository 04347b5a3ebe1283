"""The rules are the one place a right is decided: a card's rights (worked out with the role
read in the card's own statement) are what the rules say when they read the role themselves,
for every kind of viewer and community, and given the role a rule reads nothing."""

import pytest
from django.http import Http404
from django.template import Context, Template
from django.utils import timezone

from apps.communities.models import Community, Role, is_site_admin
from apps.feeds import rules, selectors
from apps.feeds.models import Kind
from apps.feeds.services import comment_create, post_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def moderator(make_person):
    return make_person("Mo", "Derator", email="mo.derator@example.com")


@pytest.fixture
def everyone(anna, bob, carol, admin, moderator):
    """Anna owns the communities, Bob is a member, Mo moderates, Carol is in none."""
    return {"owner": anna, "member": bob, "moderator": moderator, "outsider": carol, "admin": admin}


def _communities(make_community, anna, bob, moderator) -> dict:
    made = {
        name: make_community(anna, name.title(), visibility, members=[bob], moderators=[moderator])
        for name, visibility in (("public", "public"), ("moderated", "moderated"), ("private", "private"))
    }
    return {"company": None, **made}


def test_a_card_s_rights_are_the_rules(everyone, make_community):
    communities = _communities(make_community, everyone["owner"], everyone["member"], everyone["moderator"])
    for where, community in communities.items():
        posts = [
            post_create(actor=everyone["member"], community=community, body=f"{where}: a post"),
            post_create(actor=everyone["owner"], community=community, body=f"{where}: which?", kind=Kind.QUESTION),
        ]
        for who, viewer in everyone.items():
            for post in posts:
                try:
                    card = selectors.post_get(viewer=viewer, post_id=post.pk)
                except Http404:  # a post the viewer may not read has no card
                    continue
                expected = rules.post_rights(viewer, post, role=rules.role_in(viewer, community))
                assert card.can == expected, (where, who, post.kind)


def test_nothing_new_in_an_archived_community_but_moderators_still_moderate(everyone, make_community):
    community = make_community(everyone["owner"], "Closed", "private", members=[everyone["member"]])
    post = post_create(actor=everyone["member"], community=community, body="Before")
    Community.objects.filter(pk=community.pk).update(archived_at=timezone.now())
    community.refresh_from_db()
    as_member = rules.post_rights(everyone["member"], post, role=Role.MEMBER)
    as_owner = rules.post_rights(everyone["owner"], post, role=Role.OWNER)
    assert (as_member["comment"], as_member["share"], as_member["edit"]) == (False, False, True)
    assert (as_owner["moderate"], as_owner["delete"], as_owner["comment"]) == (True, True, False)
    assert not rules.can_announce(everyone["owner"], community, role=Role.OWNER)


def test_given_the_role_a_rule_reads_nothing(everyone, make_community, django_assert_num_queries):
    member = everyone["member"]
    community = make_community(everyone["owner"], "Quiet", "public", members=[member])
    post = post_create(actor=everyone["owner"], community=community, body="Hi", kind=Kind.QUESTION)
    is_site_admin(member)  # read once per request, and remembered on the user
    with django_assert_num_queries(0):
        rights = rules.post_rights(member, post, role=Role.MEMBER)
        allowed = (
            rules.can_post(member, community, role=Role.MEMBER),
            rules.can_moderate(member, community, role=Role.MEMBER),
            rules.can_announce(member, community, role=Role.MEMBER),
            rules.can_share(member, community, role=Role.MEMBER),
        )
    assert rights["comment"] and not rights["moderate"] and not rights["best_answer"]
    assert allowed == (True, False, False, True)


def test_a_private_community_s_posts_are_shared_inside_it_only(everyone, make_community):
    private = make_community(everyone["owner"], "Inner", "private", members=[everyone["member"]])
    public = make_community(everyone["owner"], "Outer", "public")
    assert rules.shares_stay_inside(private) and not rules.shares_stay_inside(public)
    assert not rules.shares_stay_inside(None)
    assert rules.share_targets_allowed(private, private)
    assert not rules.share_targets_allowed(private, public) and not rules.share_targets_allowed(private, None)
    assert rules.share_targets_allowed(public, None) and rules.share_targets_allowed(None, private)
    assert rules.can_share(everyone["outsider"], public, role=None)
    assert not rules.can_share(everyone["outsider"], private, role=None)
    assert rules.can_share(everyone["member"], private, role=Role.MEMBER)


def test_a_comment_s_rights_come_from_the_rules_without_a_query(everyone, make_community, django_assert_num_queries):
    owner, member, outsider = everyone["owner"], everyone["member"], everyone["outsider"]
    community = make_community(owner, "Talk", "public", members=[member])
    post = post_create(actor=owner, community=community, body="Thoughts?")
    comment = comment_create(actor=member, post=post, body="Mine")
    template = Template("{% load feeds %}{% comment_rights comment post as can %}{{ can.edit }} {{ can.delete }}")
    seen = {}
    for who, viewer in (("member", member), ("owner", owner), ("outsider", outsider)):
        card = selectors.post_get(viewer=viewer, post_id=post.pk)
        with django_assert_num_queries(0):
            seen[who] = template.render(Context({"user": viewer, "comment": comment, "post": card}))
    assert seen == {"member": "True True", "owner": "False True", "outsider": "False False"}
