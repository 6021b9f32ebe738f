"""Conversations in networks: threads, posts and reports; request and response schemas."""

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.api.common import (
    Id,
    Input,
    Instant,
    NoFormatCharacters,
    OneLine,
    Output,
    Paragraphs,
    Text,
    Visible,
    WebAddress,
)
from contracts.api.networks import ThemeIds
from nabo_common.api.pagination import PageQuery

THREAD_KINDS = ("question", "announcement", "opportunity")
TITLE_MAX = 200
BODY_MAX = 10_000
LINKS_MAX = 10
MENTIONS_MAX = 20

Title = lambda **kw: fields.String(  # noqa: E731
    validate=[validate.Length(min=1, max=TITLE_MAX), OneLine(), Visible()], **kw
)
Body = lambda **kw: fields.String(  # noqa: E731
    validate=[validate.Length(min=1, max=BODY_MAX), Paragraphs(), Visible()], **kw
)
Links = lambda **kw: fields.List(  # noqa: E731
    WebAddress(
        schemes={"http", "https"},
        validate=[validate.Length(max=2000), NoFormatCharacters()],
        error_messages={"invalid": "Give an http:// or https:// address."},
    ),
    validate=validate.Length(max=LINKS_MAX),
    metadata={"description": f"At most {LINKS_MAX} web addresses (http or https only)."},
    **kw,
)


Mentions = lambda **kw: fields.List(  # noqa: E731
    Id(),
    validate=validate.Length(max=MENTIONS_MAX),
    metadata={
        "description": f"Ids of at most {MENTIONS_MAX} of the network's members who hear about this post "
        "whatever they chose to hear from the network."
    },
    **kw,
)


class ThreadCreate(Input):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(THREAD_KINDS),
        metadata={"description": "question, announcement or opportunity."},
    )
    title = Title(required=True)
    body = Body(required=True, metadata={"description": f"The opening post, at most {BODY_MAX} characters."})
    themes = ThemeIds(load_default=list)
    links = Links(load_default=list)
    mentions = Mentions(load_default=list)


class ThreadUpdate(Input):
    json_schema = {"minProperties": 1}
    title = Title(metadata={"description": "The author's."})
    kind = fields.String(validate=validate.OneOf(THREAD_KINDS), metadata={"description": "The author's."})
    locked = fields.Boolean(metadata={"description": "Conveners': a locked thread takes no more replies."})

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give title, kind or locked.")


class ThreadQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(THREAD_KINDS))


class PostCreate(Input):
    body = Body(required=True)
    reply_to_id = Id(metadata={"description": "The post of this thread answered; none: the thread."})
    themes = ThemeIds(load_default=list)
    links = Links(load_default=list)
    mentions = Mentions(load_default=list)


class PostUpdate(Input):
    json_schema = {"minProperties": 1}
    body = Body(metadata={"description": "The author's."})
    themes = ThemeIds(metadata={"description": "The author's."})
    links = Links()
    hidden = fields.Boolean(
        metadata={
            "description": "Conveners': hide the post from everyone but its author "
            "and the conveners, or restore it."
        }
    )

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give body, themes, links or hidden.")


class PostReportCreate(Input):
    reason = Text(1000, required=True, metadata={"description": "What is wrong with the post."})


class PrivateAnswer(Input):
    organisation_id = Id(required=True, metadata={
        "description": "The organisation the caller answers for: one they belong to, which the opportunity "
                       "was offered to, or any if the caller reads the network's conversation."})
    message = Text(2000, required=True, metadata={"description": "What the author hears from you."})


class PostAuthor(Output):
    person_id = fields.String()
    name = fields.String()


class Post(Output):
    id = fields.String(dump_only=True)
    thread_id = fields.String()
    network_id = fields.String()
    reply_to_id = fields.String(allow_none=True)
    opening = fields.Boolean(metadata={"description": "The post that opened the thread."})
    author = fields.Nested(PostAuthor, allow_none=True, metadata={"description": "None once deleted."})
    body = fields.String(allow_none=True, metadata={"description": "None once deleted or its author erased."})
    themes = fields.List(fields.String())
    links = fields.List(fields.String())
    hidden = fields.Boolean()
    deleted = fields.Boolean()
    created_at = Instant(dump_only=True)
    edited_at = Instant(allow_none=True)


class Thread(Output):
    id = fields.String(dump_only=True)
    network_id = fields.String()
    kind = fields.String()
    title = fields.String(allow_none=True, metadata={"description": "None once its author is erased."})
    author = fields.Nested(PostAuthor, allow_none=True)
    locked = fields.Boolean()
    reply_count = fields.Integer(metadata={"description": "Replies the caller may see, placeholders too."})
    last_activity_at = Instant()
    created_at = Instant(dump_only=True)
    opening_post = fields.Nested(Post)


class PostReport(Output):
    id = fields.String(dump_only=True)
    post_id = fields.String()
    reporter_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = Instant(dump_only=True)


class PostReportQuery(PageQuery):
    pass


class PostQuery(PageQuery):
    pass
