"""Every button and form that runs facilitator work checks the facilitator again when it is used.

The review found the panel's "Plan breakouts" form accepted after the facilitator role was removed
(``PlanModal.on_submit`` called the command's callback, skipping its check) and showing every member's
role. Now each facilitator control goes through one helper, ``cogs._shared.for_facilitators``. These
tests walk everything the bot registers (every persistent button class, every form class the cogs
define, the forms answered by listeners) so a new facilitator control without the check fails here,
then prove each facilitator one refuses a non-facilitator and changes nothing in the database.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest
from conftest import Community

import cogs
from bot.privacy.registry import TABLES
from cogs._shared import BUTTON_FOR_FACILITATORS, IdButton, PublicRef, RefButton

pytestmark = [pytest.mark.timeout(240), pytest.mark.simcord(settle_timeout=45)]

#: Buttons anyone may press (each refuses by its own rule where it must), and why.
MEMBER_CONTROLS = {
    "QuestionButton": '"Me too" is for everyone; its facilitator actions are walked one by one below',
    "AskButton": "the meeting post's **Ask without your name**: opens the question form",
    "DmAskButton": "opens the question form in a member's DMs",
    "OldDmCancelButton": "the old DM preview's cancel: posts nothing",
    "AnswerButton": "the check-in's form, for the people who were at the meeting",
    "HelpButton": "anyone in a breakout room may call a facilitator",
    "NextButton": "the speaker or a facilitator (checked by the round)",
    "PassButton": "the speaker",
    "JoinButton": "anyone may join a speaking round",
    "PageButton": "pages of /icebreaker list",
    "DoneButton": "the task's people or a facilitator, as /task done",
    "MoreTimeButton": "the task's people or a facilitator, as /task edit",
    "ExtendButton": "the task's people or a facilitator, as /task edit",
    "PickDateButton": "the task's people or a facilitator, as /task edit",
    "ForgetMeButton": "only the member it is for",
    "KeepButton": "cancels, changes nothing",
    "WelcomeButton": "the welcome's steps, role, practice, words and calendar: each for the member pressing it",
}
#: Forms (modal classes) anyone may submit, and why.
MEMBER_FORMS = {
    "TaskForm": "makes a task, as /task add, which every member may do",
    "NewDateModal": "a task's new date, checked like /task edit on submit",
}
QUESTION_FACILITATOR_ACTIONS = ("answered", "remove", "mute", "write", "now", "approve", "reject")


def is_facilitator_control(callback: Any) -> bool:
    return bool(getattr(callback, "copbot_facilitators", False))


def registered_items(bot) -> list[type]:
    return list(dict.fromkeys(bot._connection._view_store._dynamic_items.values()))


def modal_classes() -> list[type]:
    found: list[type] = []
    todo = list(discord.ui.Modal.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith(cogs.__name__ + "."):
            found.append(cls)
    return found


async def database(bot) -> dict[str, list[tuple]]:
    """Every row of every table copbot keeps, to prove a refusal changed nothing."""
    out = {}
    for table in TABLES:
        rows = await bot.db.fetchall(f"SELECT * FROM {table.name}")
        out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


async def test_every_registered_control_is_either_for_members_or_checked_for_facilitators(simcord_env, community):
    await community.configure()
    facilitator, member, unknown = [], [], []
    for cls in registered_items(simcord_env.bot):
        if is_facilitator_control(cls.callback):
            facilitator.append(cls.__name__)
        elif cls.__name__ in MEMBER_CONTROLS:
            member.append(cls.__name__)
        else:
            unknown.append(cls.__name__)
    assert unknown == [], f"say who may use {unknown}: facilitators (use for_facilitators) or MEMBER_CONTROLS"
    assert set(member) == set(MEMBER_CONTROLS)
    # The panel, breakout, check-in offer, icebreaker "End round", "forget them" and "Manage a question…".
    assert {"PlanButton", "EndButton", "OpenRoomsButton", "OfferButton", "ForgetMemberButton", "ManageMenu"} <= set(
        facilitator
    )
    # The glossary's and the aims' buttons in a facilitator's own /glossary and /aims reply (issue 30).
    assert {"AddButton", "ChangeButton", "RemoveButton", "FromAnswerButton", "UpdateAimsButton"} <= set(facilitator)
    forms = {cls.__name__: cls for cls in modal_classes()}
    for name, cls in forms.items():
        assert is_facilitator_control(cls.on_submit) or name in MEMBER_FORMS, name
    assert is_facilitator_control(forms["PlanModal"].on_submit)


def _instance(cls: type, targets: dict[str, Any]) -> list[discord.ui.Item]:
    """The facilitator control ``cls`` pointing at a real target (built as the bot builds it)."""
    if issubclass(cls, RefButton):
        return [cls(targets["session_ref"])]
    if issubclass(cls, IdButton):
        return [cls(targets.get(cls.__name__, targets["meeting"]))]
    if cls.__name__ == "EndButton":
        return [cls(targets["round_ref"])]
    raise AssertionError(f"the walk does not know how to build {cls.__name__}: add it here")


async def test_each_facilitator_control_refuses_a_member_and_changes_nothing(simcord_env, community: Community):
    people = [community.add_member(n) for n in ("pat", "gina", "cleo", "rita")]
    sam = community.add_member("sam")
    await community.configure()
    for person, role in zip(people, ("lay", "gp", "clinician", "researcher"), strict=True):
        await person.slash(community.meeting, "profile", role=role)
        await person.join_voice(community.voice)
    await community.facilitator.join_voice(community.voice)
    bot = simcord_env.bot
    # Real targets: a running meeting (panel), a speaking round, a breakout plan, a question.
    await community.facilitator.slash(community.meeting, "meeting start")
    await community.facilitator.slash(community.meeting, "icebreaker round")
    await community.facilitator.slash(community.meeting, "breakout plan", size=2)
    await people[0].submit_modal(await people[0].slash(community.meeting, "ask"), {"question": "A question?"})
    [round_] = await bot.get_cog("IcebreakersCog").repo.open_rounds(community.guild.id)
    session = await bot.breakouts.repo.latest_planned(community.guild.id)
    assert session is not None and session.token is not None
    targets = {
        "meeting": 1,
        "OfferButton": 1,
        "ForgetMemberButton": people[0].id,
        "session_ref": PublicRef.tokened(session.token, session.id),
        "round_ref": f"t{round_.state.token}",
    }
    from cogs.questions._render import _button, manage_view

    items: list[discord.ui.Item] = []
    for cls in registered_items(bot):
        if is_facilitator_control(cls.callback) and cls.__name__ != "ManageMenu":
            items += _instance(cls, targets)
    # The question buttons on the facilitators' copy and in the review queue, as copbot draws them.
    items += [_button(action, "n1") for action in QUESTION_FACILITATOR_ACTIONS]
    # "Manage a question…" under /questions list.
    question = await bot.questions.resolve(community.guild.id, "n1")
    menu = manage_view([question])
    assert menu is not None
    items += list(menu.children)
    assert len(items) >= 18

    before = await database(bot)
    channel = bot.get_channel(community.meeting.id)
    for item in items:
        view = discord.ui.View(timeout=None)
        view.add_item(item)
        await channel.send("A facilitator's control, where a member can press it", view=view)
        await simcord_env.settle()
        custom_id = item.custom_id  # type: ignore[attr-defined]
        if isinstance(item, discord.ui.Select):
            refused = await sam.select(community.meeting.last_message, ["n1"], custom_id=custom_id)
        else:
            refused = await sam.click(community.meeting.last_message, custom_id=custom_id)
        assert refused.response is not None and refused.response.ephemeral, custom_id
        assert refused.response.content == BUTTON_FOR_FACILITATORS, (custom_id, refused.response.content)
    assert await database(bot) == before


async def _lose_the_role(simcord_env, community: Community) -> None:
    simcord_env.backend.remove_member_role(community.guild.id, community.facilitator.id, community.facilitator_role.id)
    await simcord_env.settle()


async def test_the_plan_form_submitted_after_the_role_is_removed_is_refused(simcord_env, community: Community):
    people = [community.add_member(n) for n in ("pat", "gina", "cleo")]
    await community.configure()
    for person in people:
        await person.join_voice(community.voice)
    await community.facilitator.join_voice(community.voice)
    await community.facilitator.slash(community.meeting, "meeting start")
    # The panel's "Plan breakouts", where the facilitator still sees it once the role is gone (the
    # facilitators' channel is only visible with the role).
    from cogs._panel import PlanButton

    view = discord.ui.View(timeout=None)
    view.add_item(PlanButton(1))
    await simcord_env.bot.get_channel(community.meeting.id).send("The panel's button", view=view)
    await simcord_env.settle()
    form = await community.facilitator.click(community.meeting.last_message, label="Plan breakouts")
    assert form.modal is not None
    before = await database(simcord_env.bot)
    await _lose_the_role(simcord_env, community)
    refused = await community.facilitator.submit_modal(form, {"size": "2"})
    assert refused.response.ephemeral and refused.response.content == BUTTON_FOR_FACILITATORS
    assert "Open rooms" not in str(refused.response.components)
    assert await database(simcord_env.bot) == before, "no plan was made"


async def test_the_answer_form_submitted_after_the_role_is_removed_is_refused(simcord_env, community: Community):
    asker = community.add_member("asker")
    await community.configure()
    await asker.submit_modal(await asker.slash(community.meeting, "ask"), {"question": "What is a pathway?"})
    # "Write an answer" from the facilitators' copy, where the facilitator still sees it once the role is
    # gone (the facilitators' channel is only visible with the role).
    from cogs.questions._render import _button

    view = discord.ui.View(timeout=None)
    view.add_item(_button("write", "n1"))
    await simcord_env.bot.get_channel(community.meeting.id).send("The copy's button", view=view)
    await simcord_env.settle()
    form = await community.facilitator.click(community.meeting.last_message, label="Write an answer")
    assert form.modal is not None
    before = await database(simcord_env.bot)
    await _lose_the_role(simcord_env, community)
    refused = await community.facilitator.submit_modal(form, {"answer": "A route through care."})
    assert refused.response.ephemeral and refused.response.content == BUTTON_FOR_FACILITATORS
    assert await database(simcord_env.bot) == before, "no answer was saved"
