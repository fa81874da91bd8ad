"""Need to know: the one door through which every interface reaches an object.

Pages, API views, serializer fields and reports ask this package who the user is
(`viewer.viewer_of`, once per request), what they may see (`scopes`), for one object by id
(`doors`: the object or a 404) and what they may do to it (`rules`, `reassignment`).

The rules are docs/api.md's "Visibility": a caseworker sees their own record, the cases they
hold (and closed cases they held last) and those cases' citizens; a team leader sees their
teams, those teams' caseworkers and cases, the queued cases of their jobcenter in a
programme they lead, and the citizens of all those cases; an administrator (`is_staff`)
sees everything. An object a user may not see is a 404 (or, named in a request body, the
same answer as an id that does not exist); a visible object they may not act on is a 403.
"""
