"""End to end: each server's own reminder rules (``/settings reminders``) under SimCord."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import Community
from test_tasks_reminders import Clocks, add_task, dms, reminders_in, utc

LONDON = ZoneInfo("Europe/London")
DEFAULT_RULES = (
    "Reminders: 3 days and 1 day before the due date, and on the day, at 09:00; "
    "overdue nudges every 7 days, at most 3; meeting digest 24 hours before"
)


def sent_at(member) -> list[tuple[int, int, int]]:
    """(day, hour, minute) on the UK clock of each reminder the member got."""
    return [(d.day, d.hour, d.minute) for d in (m.created_at.astimezone(LONDON) for m in reminders_in(member))]


async def rules(community: Community, actor=None, **options):
    result = await (actor or community.facilitator).slash(community.meeting, "settings reminders", **options)
    assert result.response.ephemeral
    return result.response.content


async def test_new_and_existing_tasks_follow_the_servers_rules(simcord_env, community: Community) -> None:
    await community.configure()
    sam, kim = community.add_member("sam"), community.add_member("kim")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        await add_task(community, sam, "2026-01-10")  # planned under the defaults: 7, 9 and 10 January

        reply = await rules(community, days_before="2", send_hour=10)
        assert reply.startswith("Saved.")
        assert "Reminders: 2 days before the due date, and on the day, at 10:00" in reply

        await add_task(community, kim, "2026-01-12", "Book the room")
        await clocks.run_until(utc(2026, 1, 13))
        assert sent_at(sam) == [(8, 10, 0), (10, 10, 0)]  # re-planned: no 3-day or 1-day reminder
        assert sent_at(kim) == [(10, 10, 0), (12, 10, 0)]  # 2 days before, at 10:00 server time
        assert "due today" in reminders_in(kim)[1].content


async def test_a_reminder_already_sent_is_not_sent_again_under_new_rules(simcord_env, community: Community) -> None:
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        await add_task(community, sam, "2026-01-10")
        await clocks.run_until(utc(2026, 1, 9, 9, 30))
        assert sent_at(sam) == [(7, 9, 0), (9, 9, 0)]
        # "1 day to go" went out at 09:00; at 11:00 it would be due again under the new hour.
        await rules(community, send_hour=11)
        await clocks.run_until(utc(2026, 1, 11))
        assert sent_at(sam) == [(7, 9, 0), (9, 9, 0), (10, 11, 0)]


async def test_the_meeting_digest_is_replanned(simcord_env, community: Community) -> None:
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        await add_task(community, sam, "2026-01-20")
        await community.facilitator.slash(community.meeting, "meeting schedule", when="2026-01-09 18:00", title="Jan")
        # The job is armed for the digest on 8 January; two days before moves it earlier, so the
        # job must be re-armed for it to go out on time.
        reply = await rules(community, digest_hours_before=48)
        assert "meeting digest 48 hours before" in reply
        await clocks.run_until(utc(2026, 1, 10))
        digest = [m for m in community.meeting.history() if "Coming up" in m.content]
        assert len(digest) == 1
        assert (digest[0].created_at.day, digest[0].created_at.hour, digest[0].created_at.minute) == (7, 18, 0)


async def test_only_facilitators_change_the_rules_and_bad_values_change_nothing(
    simcord_env, community: Community
) -> None:
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        await add_task(community, sam, "2026-01-10")

        assert "settings reminders" not in sam.available_commands(community.meeting)  # facilitators' command
        community.show_facilitator_commands(community.facilitator_role, sam)  # shown to Sam by mistake
        refused = await rules(community, sam, days_before="5", send_hour=12)
        assert "only facilitators" in refused.lower()
        refused = await rules(community, sam)
        assert "only facilitators" in refused.lower()

        for options, words in (
            ({"days_before": "3, 100"}, "from 1 to 60"),
            ({"days_before": "soon"}, "for example: 3, 1"),
            ({"days_before": "1, 2, 3, 4, 5, 6"}, "up to 5"),
            ({"days_before": "0"}, "from 1 to 60"),
            ({"send_hour": 22}, "never sent at night"),
            ({"send_hour": 3}, "from 8 to 19"),
            ({"overdue_every_days": 0}, "every 1 to 60 days"),
            ({"overdue_max": 21}, "from 0 (none) to 20"),
            ({"digest_hours_before": 200}, "from 1 to 168 hours"),
            ({"days_before": "2", "send_hour": 23}, "never sent at night"),  # one bad value: nothing saved
            ({"reset": True, "overdue_max": -1}, "from 0 (none) to 20"),
        ):
            reply = await rules(community, **options)
            assert words in reply, (options, reply)
            assert reply.endswith("Nothing was changed.") and "\n" not in reply

        shown = await community.facilitator.slash(community.meeting, "settings show")
        assert DEFAULT_RULES in shown.response.content
        await clocks.run_until(utc(2026, 1, 11))
        assert sent_at(sam) == [(7, 9, 0), (9, 9, 0), (10, 9, 0)]


async def test_rules_survive_a_restart_and_reset_goes_back_to_the_defaults(
    simcord_env, community: Community, restart
) -> None:
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        custom = (
            "Reminders: 3 days and 1 day before the due date, and on the day, at 11:00; "
            "overdue nudges every day, at most 2; meeting digest 48 hours before"
        )
        reply = await rules(community, send_hour=11, overdue_every_days=1, overdue_max=2, digest_hours_before=48)
        assert custom in reply

        await restart()
        shown = await rules(community)
        assert custom in shown and "some chosen here" in shown
        everyone = await community.facilitator.slash(community.meeting, "settings show")
        assert custom in everyone.response.content

        await add_task(community, sam, "2026-01-05")  # planned by the new bot, from the stored rules
        await clocks.run_until(utc(2026, 1, 3))
        assert sent_at(sam) == [(2, 11, 0)]

        reply = await rules(community, reset=True)
        assert DEFAULT_RULES in reply
        assert DEFAULT_RULES in (await rules(community))
        await clocks.run_until(utc(2026, 1, 9))
        # Back to 09:00 and weekly nudges: no daily nudge on 6 or 7 January.
        assert sent_at(sam) == [(2, 11, 0), (4, 9, 0), (5, 9, 0)]


async def test_turning_reminders_before_the_due_date_off(simcord_env, community: Community) -> None:
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        reply = await rules(community, days_before="none", on_due_day=False, overdue_max=0)
        assert "Reminders: none before the due date; no overdue nudges; meeting digest 24 hours before" in reply
        await add_task(community, sam, "2026-01-05")
        await clocks.run_until(utc(2026, 2, 1))
        assert reminders_in(sam) == [] and len(dms(sam)) == 1  # only "gave you a task"


# Minute-exact times across a timezone change: stepped with time-machine, which cannot follow the
# real time that per-call latency adds to SimCord's clock; buckets and limit checks stay on.
@pytest.mark.discord(latency=0)
async def test_changing_the_timezone_replans_reminders(simcord_env, community: Community) -> None:
    await community.configure()  # Europe/London
    sam = community.add_member("sam")
    new_york = ZoneInfo("America/New_York")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        await add_task(community, sam, "2026-01-08")  # a week away; planned for 09:00 UK time
        # 08:00 UK time is 03:00 in New York: the digest 24 hours before moves out of the night there.
        await community.facilitator.slash(community.meeting, "meeting schedule", when="2026-01-09 08:00", title="Jan")

        changed = await community.configure(timezone="America/New_York")
        assert "Reminders already planned now follow the new timezone, America/New_York." in (changed.response.content)
        await clocks.run_until(utc(2026, 1, 5, 12))
        assert reminders_in(sam) == []  # nothing at 09:00 UK time any more
        await clocks.run_until(utc(2026, 1, 9))
        sent = [m.created_at.astimezone(new_york) for m in reminders_in(sam) if "open tasks" not in m.content]
        assert [(d.day, d.hour, d.minute) for d in sent] == [(5, 9, 0), (7, 9, 0), (8, 9, 0)]
        digest = [m for m in community.meeting.history() if "Coming up" in m.content]
        assert len(digest) == 1
        local = digest[0].created_at.astimezone(new_york)
        assert (local.day, local.hour, local.minute) == (8, 9, 0)

        # Saving other settings, or the same timezone again, leaves reminders alone.
        same = await community.configure(timezone="America/New_York")
        assert "Reminders already planned" not in same.response.content


async def test_the_budget_holds_back_a_reminder_within_a_day_and_is_explained(
    simcord_env, community: Community
) -> None:
    """The server's schedule plans "due today" at 09:00; a task given at 18:00 the evening before
    was told then, so that reminder stays silent. ``/settings reminders`` says why."""
    await community.configure()
    sam = community.add_member("sam")
    budget = "Nobody hears about the same task twice in one day"
    assert budget in await rules(community)
    assert budget in await rules(community, send_hour=9)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        await clocks.run_until(utc(2026, 1, 5, 18))
        await add_task(community, sam, "2026-01-06 17:00")
        await clocks.run_until(utc(2026, 1, 7))
        assert reminders_in(sam) == [] and len(dms(sam)) == 1  # "gave you a task", then nothing that day
        await clocks.run_until(utc(2026, 1, 14))
        assert [day for day, _, _ in sent_at(sam)] == [13]  # the first overdue nudge, a week later
