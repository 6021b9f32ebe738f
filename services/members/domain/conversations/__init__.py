"""Conversations in networks: threads (questions, announcements, opportunities)
opened by a post and answered by replies, their authors' edits and deletions,
and the conveners' moderation. One module a concern; docs/conversations.md
lists them."""
