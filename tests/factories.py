import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from apps.profiles.models import Profile

PASSWORD = "correct-Horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"employee{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    job_title = factory.Faker("job")
    department = "Engineering"
    location = "Paris"


class PostFactory(factory.django.DjangoModelFactory):
    """A plain post row, for bulk test data (services build the real thing: see post_create)."""

    class Meta:
        model = "feeds.Post"

    author = factory.SubFactory(UserFactory)
    community = None
    kind = "post"
    body = factory.Sequence(lambda n: f"Post number {n}")
    body_html = factory.LazyAttribute(lambda post: f"<p>{post.body}</p>")


class CommentFactory(factory.django.DjangoModelFactory):
    """A plain comment row (no counters kept: see comment_create for the real thing)."""

    class Meta:
        model = "feeds.Comment"

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}")
    body_html = factory.LazyAttribute(lambda comment: f"<p>{comment.body}</p>")
