"""Networks (communities): started by anyone signed in, owned by one or more
associations (a second owner must agree), convened by their conveners and
the owning associations' admins, joined openly, on request or by invitation.
One module a concern; docs/networks.md lists them."""
