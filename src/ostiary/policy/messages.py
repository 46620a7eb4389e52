"""Decision → the exact AccessDenied text AWS writes.

IAM User Guide, "Troubleshoot access denied error messages",
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html:

    User: <principal-arn> is not authorized to perform: <action>[ on resource: <resource>]
        because no <policy-type> allows the <action> action
    User: <principal-arn> is not authorized to perform: <action>[ on resource: <resource>]
        with an explicit deny in a|an <policy-type>[: <policy-arn>]

"For same-account and same-organization requests" AWS appends the ARN of the denying policy to
explicit-deny messages; it is left out for cross-account requests and for policies without an
ARN (inline, resource-based): AWS Security Blog, "Enhanced access denied error messages with
policy ARNs", https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns/.
AssumeRole denials come without the reason clause (seen in public AWS CLI output).
"""

from __future__ import annotations

from ostiary.policy.context import RequestContext
from ostiary.policy.decision import Decision, Effect, PolicyType


def _article(phrase: str) -> str:
    return "an" if phrase[:1] in "aeiou" else "a"


def access_denied_message(
    ctx: RequestContext, decision: Decision, *, resource_display: str | None = None, with_reason: bool = True
) -> str:
    """The AccessDenied message for a denied request.

    `resource_display` replaces the resource text (IAM writes ``user alice``, S3 a quoted ARN);
    a request on ``*`` has no "on resource" part; `with_reason=False` gives the AssumeRole form.
    """
    if decision.effect is Effect.ALLOW:
        raise ValueError("an allowed request has no AccessDenied message")
    text = f"User: {ctx.principal.arn} is not authorized to perform: {ctx.action}"
    resource = resource_display if resource_display is not None else ctx.resource
    if resource and resource != "*":
        text += f" on resource: {resource}"
    if not with_reason:
        return text
    kind = decision.denied_by or PolicyType.IDENTITY
    if decision.effect is Effect.IMPLICIT_DENY:
        return f"{text} because no {kind.value} allows the {ctx.action} action"
    text += f" with an explicit deny in {_article(kind.value)} {kind.value}"
    if decision.denying_policy_arn and not ctx.is_cross_account:
        text += f": {decision.denying_policy_arn}"
    return text
