"""`/mentor privacy [export|delete]` and its confirmation button, and `/mentor link [CODE]`."""

from __future__ import annotations

from dataclasses import replace

from bot.errors import UserError
from bot.framework.context import Context
from bot.framework.registry import Args, CommandSet
from bot.framework.replies import Reply, error_reply
from bot.privacy import erasure, export, linking, messages, references, rules, specs

commands = CommandSet()

CONSOLE = "console"
"""Where a request with no platform came from (`mentorbot shell`), as a link code records."""


@commands.handler(specs.PRIVACY)
def privacy(ctx: Context, args: Args) -> Reply:
    action = args.get("action")
    if action == specs.EXPORT:
        document = export.person_document(ctx.session, ctx.actor.id, now=ctx.now)
        attachment = export.export_attachment(ctx.session, ctx.actor, now=ctx.now,
                                              default_tz=ctx.settings.default_timezone)
        reply = messages.export_reply(export.rows_in(document), 1 + len(document["tables"]))
        return replace(reply, attachment=attachment)
    if action == specs.DELETE:
        confirm = specs.ERASE.action("Delete my data",
                                     {"issued": rules.confirmation_stamp(ctx.now)},
                                     style="danger")
        return messages.delete_confirmation(references.counts(ctx.session, ctx.actor.id),
                                            confirm, faculty=ctx.actor.is_faculty)
    return messages.overview()


@commands.handler(specs.ERASE)
def erase(ctx: Context, args: Args) -> Reply:
    if not rules.confirmation_fresh(args["issued"], ctx.now):
        raise UserError(messages.confirmation_expired())
    erased = erasure.erase_person(ctx.session, ctx.actor, requested_by=rules.Requester.SELF,
                                  now=ctx.now, default_tz=ctx.settings.default_timezone)
    ctx.wake_delivery()
    return messages.deleted_reply(erased.mentorships_ended, erased.requests_closed)


@commands.handler(specs.LINK)
def link(ctx: Context, args: Args) -> Reply:
    if args.get("undo"):
        return _undo(ctx)
    typed = args.text("code")
    if not typed:
        platform = ctx.channel.platform if ctx.channel is not None else CONSOLE
        issued = linking.issue(ctx.session, ctx.actor, platform=platform, now=ctx.now)
        return messages.code_issued(issued.code, issued.expires_at, ctx.tz)
    result = linking.redeem(ctx.session, ctx.actor, typed, _typing_account(ctx),
                            now=ctx.now, tz=ctx.tz)
    if isinstance(result, linking.Refused):
        return error_reply(result.message, title="Not linked")
    request = result.request
    args_of = {"request": request.id}
    question = messages.link_question(
        request.platform, request.account_name, request.account, request.created_at,
        ctx.tz_of(result.owner),
        specs.LINK_CONFIRM.action("Link", args_of, style="primary"),
        specs.LINK_REFUSE.action("Not me", args_of, style="danger"))
    ctx.notify(result.owner, question, key=f"link-ask:{request.id}")
    return messages.asked(result.asked_on)


def _typing_account(ctx: Context) -> linking.Account:
    """The account a code is typed from, as its owner will be asked about it."""
    account = ctx.account
    if account is not None:
        return linking.Account(account.platform, account.external_id, ctx.actor.name)
    platform = ctx.channel.platform if ctx.channel is not None else CONSOLE
    identity = next((i for i in ctx.actor.identities if i.platform == platform), None)
    external_id = identity.external_id if identity is not None else f"person {ctx.actor.id}"
    return linking.Account(platform, external_id, ctx.actor.name)


@commands.handler(specs.LINK_CONFIRM)
def link_confirm(ctx: Context, args: Args) -> Reply:
    result = linking.confirm(ctx.session, ctx.actor, args["request"], now=ctx.now)
    if isinstance(result, linking.Refused):
        return error_reply(result.message, title="Not linked")
    merged = result.merged
    return messages.linked_reply(result.platforms, merged.moved, merged.joined,
                                 merged.dropped_email)


@commands.handler(specs.LINK_REFUSE)
def link_refuse(ctx: Context, args: Args) -> Reply:
    result = linking.refuse(ctx.session, ctx.actor, args["request"], now=ctx.now)
    if isinstance(result, linking.Refused):
        return error_reply(result.message, title="Not linked")
    ctx.notify(result.typer, messages.refused_to_typer(result.request.platform),
               key=f"link-refused:{result.request.id}")
    return messages.not_linked_reply()


def _undo(ctx: Context) -> Reply:
    account = ctx.account
    result = linking.undo(
        ctx.session, ctx.actor, now=ctx.now, tz=ctx.tz,
        account=None if account is None else (account.platform, account.workspace,
                                              account.external_id))
    if isinstance(result, linking.Refused):
        return error_reply(result.message, title="Not undone")
    ctx.wake_delivery()
    return messages.unlinked_reply(result.kept)
