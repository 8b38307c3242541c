"""Privacy end to end under SimCord: /privacy, /mydata, /forget-me, /members forget, leavers, retention."""

from __future__ import annotations

import json
import struct
from datetime import timedelta

import time_machine
from conftest import Community

from bot.privacy import promise
from bot.privacy.policy import document
from bot.privacy.registry import personal_tables
from bot.roles import label
from tests.notices import Clocks
from tests.privacyseed import seed_every_member_column

DAY = 86400


def needles(user) -> list[bytes]:
    """The member's id as text and as SQLite's 8-byte big-endian integer, and their names."""
    found = [str(user.id).encode(), struct.pack(">q", user.id), user.user.name.encode()]
    if user.user.global_name:
        found.append(user.user.global_name.encode())
    return found


def database_bytes(db_path) -> bytes:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def occurrences(db_path, member) -> dict[bytes, int]:
    data = database_bytes(db_path)
    return {n: data.count(n) for n in needles(member)}


async def my_data(member, community) -> tuple[str, dict | None]:
    result = await member.slash(community.meeting, "mydata")
    assert result.response.ephemeral
    attachments = result.response.attachments
    if not attachments:
        return result.response.content, None
    [attachment] = attachments
    assert attachment.filename == "copbot-my-data.json"
    return result.response.content, json.loads(await attachment.read())


def tables_with_rows(data: dict | None) -> set[str]:
    return {name for name, table in (data or {"tables": {}})["tables"].items() if table["rows"]}


async def use_every_feature(community: Community, sam, other) -> None:
    """``sam`` (a facilitator) and ``other`` use everything that keeps something about a member."""
    meeting = community.meeting
    assert "role is now" in (await sam.slash(meeting, "profile", role="gp")).response.content or True
    await other.slash(meeting, "profile", role="lay")
    given = await community.facilitator.slash(
        meeting, "task add", description="Write the leaflet", assignee=sam, due="in 10 days"
    )
    assert "“Write the leaflet” is set for" in given.response.content
    await sam.slash(meeting, "task add", description="Book the room", assignee=other, due="in 12 days")
    await other.slash(
        meeting, "task add", description="Send the notes", assignee=community.facilitator, due="in 3 days"
    )
    await sam.slash(meeting, "meeting schedule", when="in 20 days", title="January meeting")
    await sam.slash(meeting, "icebreaker add", text="What is your favourite walk?", category="light")
    kept = await sam.slash(meeting, "breakout keep-apart", member_a=sam, member_b=other)
    assert "will never be" in kept.response.content
    extra = [community.add_member(f"p{i}", global_name=f"P {i}") for i in range(3)]
    for person in [sam, other, community.facilitator, *extra]:
        await person.join_voice(community.voice)
    plan = await sam.slash(meeting, "breakout plan", size=2)
    form = await sam.click(plan.response, label="Open rooms")
    opened = await sam.submit_modal(form, {"minutes": ["0"]})
    assert "Breakout rooms are open" in opened.response.content, opened.response.content
    await community.env.advance_time(30)  # with realistic latency, moving people takes (virtual) time
    closed = await sam.slash(meeting, "breakout close")
    assert closed.response is not None
    await community.env.advance_time(30)  # closing finishes after the reply (moving people back takes a while)
    round_ = await sam.slash(meeting, "icebreaker round")
    assert round_.response.content.startswith("**Speaking round**")
    await community.env.advance_time(5)
    # The glossary and the aims (issue 30): a word and a change that sam wrote.
    glossary = await sam.slash(meeting, "glossary")
    form = await sam.click(glossary.response, label="Add a term")
    await sam.submit_modal(form, {"term": "Triage", "meaning": "Deciding who needs care first."})
    aims = await sam.slash(meeting, "aims")
    form = await sam.click(aims.response, label="Update the aims")
    await sam.submit_modal(form, {"aims": "We bring knee research into care.", "reason": "Agreed today"})


async def test_privacy_explains_in_plain_words_and_attaches_the_full_notice(simcord_env, community) -> None:
    result = await community.add_member("pat").slash(community.meeting, "privacy")
    response = result.response
    assert response.ephemeral
    [embed] = response.embeds
    titles = [f.name for f in embed.fields]
    assert titles == [
        "What copbot keeps",
        "How long",
        "Who can see it",
        "Anonymous questions",
        "Your rights",
        "Contact",
    ]
    text = " ".join(f.value for f in embed.fields)
    assert "365 days" in text and "30 days" in text and "/forget-me" in text and "/mydata" in text
    assert promise.KEEPS_NOTHING in text and promise.ANY_BOT in text and promise.DM_SEEN in text
    [attachment] = response.attachments
    assert (await attachment.read()).decode() == document(simcord_env.bot.config.privacy)


async def test_help_and_the_welcome_message_mention_privacy(simcord_env, community) -> None:
    await community.configure()
    help_ = await community.add_member("pat").slash(community.meeting, "help")
    embeds = [e for m in [help_.response, *help_.followups] for e in m.embeds]
    assert "/privacy" in " ".join(f.value for e in embeds for f in e.fields)
    newcomer = community.add_member("newcomer")
    await simcord_env.settle()
    [step] = newcomer.user.dm_channel.history()
    for _ in range(4):
        step = (await newcomer.user.click(step, label="Next")).response
    assert "/privacy" in step.content  # the welcome's last step


async def test_mydata_after_using_every_feature_shows_each_item(simcord_env, community) -> None:
    await community.configure()
    sam = community.add_member("sam", facilitator=True, global_name="Sam")
    other = community.add_member("olu", global_name="Olu")
    await use_every_feature(community, sam, other)

    summary, data = await my_data(sam, community)
    expected = {
        "member_profiles",
        "tasks",
        "meetings",
        "icebreaker_custom_prompts",
        "breakout_keep_apart",
        "breakout_sessions",
        "breakout_meetings",
        "icebreaker_rounds",
        "glossary_terms",
        "community_aims",
    }
    assert tables_with_rows(data) == expected
    for name in expected:
        title = data["tables"][name]["what"]
        assert f"**{title}**" in summary, (title, summary)
    assert f"• {label('gp')}" in summary and "“Write the leaflet” (you are doing it" in summary
    assert "“Book the room” (you set it" in summary
    assert "the glossary word “Triage”, which you last wrote" in summary
    # Other people's ids never appear in someone's export.
    raw = json.dumps(data)
    assert str(other.id) not in raw and str(community.facilitator.id) not in raw
    tasks = data["tables"]["tasks"]["rows"]
    assert {(t["assignee_id"], t["creator_id"]) for t in tasks} == {
        ("you", "another member"),
        ("another member", "you"),
    }
    assert len(summary) <= 2000


async def test_mydata_shows_every_declared_column_seeded_in_the_real_database(simcord_env, community) -> None:
    """The completeness proof through the real command: one row per member-id column of the schema."""
    await community.configure()
    pat = community.add_member("pat")
    seeded = await seed_every_member_column(simcord_env.bot.db, community.guild.id, pat.id)
    _, data = await my_data(pat, community)
    assert tables_with_rows(data) == {t.name for t in personal_tables()}
    for table, column in seeded:
        assert any("you" in json.dumps(row[column]) for row in data["tables"][table]["rows"]), (table, column)


async def test_mydata_for_someone_copbot_knows_nothing_about(simcord_env, community) -> None:
    await community.configure()
    summary, data = await my_data(community.add_member("pat"), community)  # welcomed, and nothing kept
    assert data is None and summary == "copbot keeps nothing about you in this server."


async def test_forget_me_removes_every_trace_and_leaves_others_alone(simcord_env, community, db_path, restart) -> None:
    await community.configure()
    sam = community.add_member("samira_k", facilitator=True, global_name="Samira Khan")
    other = community.add_member("olu", global_name="Olu")
    await use_every_feature(community, sam, other)
    _, others_before = await my_data(other, community)
    assert occurrences(db_path, sam)[str(sam.id).encode()] > 0, "the search would find the member"

    asked = await sam.slash(community.meeting, "forget-me")
    assert asked.response.ephemeral and "cannot be undone" in asked.response.content
    done = await sam.click(asked.response, label="Delete everything about me")
    assert done.response.content.startswith("Done. copbot has forgotten you")

    assert occurrences(db_path, sam) == dict.fromkeys(needles(sam), 0)
    summary, data = await my_data(sam, community)
    assert data is None and summary == "copbot keeps nothing about you in this server."
    _, others_after = await my_data(other, community)
    for name, table in others_before["tables"].items():
        if name not in ("tasks", "breakout_keep_apart", "breakout_sessions", "breakout_meetings", "icebreaker_rounds"):
            assert others_after["tables"][name]["rows"] == table["rows"], name
    assert tables_with_rows(others_after) >= {"member_profiles", "tasks", "breakout_meetings", "icebreaker_rounds"}
    assert "breakout_keep_apart" not in tables_with_rows(others_after), "the rule about sam is gone"

    # The word and the aims sam wrote stay for the community, with nobody named.
    [word] = [e for e in await community.env.bot.glossary.entries(community.guild.id) if e.term == "Triage"]
    assert word.written_by == 0 and word.meaning == "Deciding who needs care first."
    [change] = await community.env.bot.aims.repo.history(community.guild.id)
    assert change.changed_by == 0 and change.aims == "We bring knee research into care."

    # The task sam was given stays, with nobody named; the person who set it was told.
    listed = await community.facilitator.slash(community.meeting, "task list", scope="all")
    assert "“Write the leaflet” for nobody yet" in listed.response.content
    notes = [
        m.content
        for m in community.facilitator.user.dm_channel.history()
        if "no longer keeps anything about the person who was doing" in m.content
    ]
    assert len(notes) == 1 and "“Write the leaflet”" in notes[0] and "#" not in notes[0]
    assert "Samira" not in notes[0] and str(sam.id) not in notes[0]

    await restart()
    assert occurrences(db_path, sam) == dict.fromkeys(needles(sam), 0)
    summary, data = await my_data(sam, community)
    assert data is None


async def test_keep_my_data_changes_nothing(simcord_env, community) -> None:
    await community.configure()
    pat = community.add_member("pat")
    await pat.slash(community.meeting, "profile", role="lay")
    asked = await pat.slash(community.meeting, "forget-me")
    kept = await pat.click(asked.response, label="Keep my data")
    assert kept.response.content == "Nothing was deleted."
    assert tables_with_rows((await my_data(pat, community))[1]) == {"member_profiles"}


async def test_members_forget_is_for_facilitators_and_takes_a_member_or_an_id(simcord_env, community, db_path) -> None:
    await community.configure()
    pat = community.add_member("pat")
    quinn = community.add_member("quinn_r")
    for person in (pat, quinn):
        await person.slash(community.meeting, "profile", role="lay")

    assert "members forget" not in pat.available_commands(community.meeting)  # facilitators' command
    community.show_facilitator_commands(community.facilitator_role, pat)  # shown to Pat by mistake
    refused = await pat.slash(community.meeting, "members forget", member=quinn)
    assert "only facilitators can do that" in refused.response.content
    neither = await community.facilitator.slash(community.meeting, "members forget")
    assert "either `member` or `user_id`" in neither.response.content
    bad = await community.facilitator.slash(community.meeting, "members forget", user_id="Quinn")
    assert "A user id is a long number" in bad.response.content

    asked = await community.facilitator.slash(community.meeting, "members forget", member=pat)
    done = await community.facilitator.click(asked.response, label="Delete everything about them")
    assert done.response.content.startswith("Done. copbot has forgotten")
    assert occurrences(db_path, pat)[str(pat.id).encode()] == 0

    community.guild.remove_member(quinn)  # someone who has left: only their id is known
    await simcord_env.settle()
    asked = await community.facilitator.slash(community.meeting, "members forget", user_id=str(quinn.id))
    await community.facilitator.click(asked.response, label="Delete everything about them")
    assert occurrences(db_path, quinn) == dict.fromkeys(needles(quinn), 0)


async def test_leavers_are_forgotten_after_the_grace_period_unless_they_come_back(
    simcord_env, community, db_path, restart
) -> None:
    await community.configure()
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await restart()  # started at SimCord's time, so the daily job runs on the travelling clock
        leaver = community.add_member("leaver_l")
        returner = community.add_member("returner")
        stayer = community.add_member("stayer")
        for person in (leaver, returner, stayer):
            await person.slash(community.meeting, "profile", role="clinician")

        async def days(n: int) -> None:
            # Both clocks stop together at every wake-up of the bot's scheduler (the daily job's), so
            # it wakes once per job rather than every minute of a day time-machine had already skipped.
            await Clocks(simcord_env, t).run_until(simcord_env.now() + timedelta(days=n))

        community.guild.remove_member(leaver)
        community.guild.remove_member(returner)
        await simcord_env.settle()
        await days(10)
        back = community.guild.add_member(returner.user)
        await simcord_env.settle()
        await days(15)
        # 25 days on: nobody forgotten yet.
        assert occurrences(db_path, leaver)[struct.pack(">q", leaver.id)] > 0
        await days(7)  # 32 days after leaving
        assert occurrences(db_path, leaver) == dict.fromkeys(needles(leaver), 0)
        assert tables_with_rows((await my_data(back, community))[1]) == {"member_profiles"}
        assert tables_with_rows((await my_data(stayer, community))[1]) == {"member_profiles"}


async def test_leaving_or_coming_back_while_copbot_was_offline_is_noticed(simcord_env, community, db_path, restart):
    await community.configure()
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await restart()
        gone = community.add_member("gone_member")
        back = community.add_member("back")
        for person in (gone, back):
            await person.slash(community.meeting, "task add", description="Tidy up", assignee=person, due="in 40 days")
        community.guild.remove_member(gone)
        community.guild.remove_member(back)
        await simcord_env.settle()
        community.guild.add_member(back.user)
        await simcord_env.settle()
        # As if copbot had been offline: it never saw `gone` leave, and saw `back` leave but not return.
        async with simcord_env.bot.db.transaction() as tx:
            await tx.execute("DELETE FROM departed_members")
            await tx.execute(
                "INSERT INTO departed_members (guild_id, user_id, left_at) VALUES (?, ?, ?)",
                (community.guild.id, back.id, simcord_env.now().isoformat()),
            )
        await Clocks(simcord_env, t).run_until(simcord_env.now() + timedelta(days=32))
        # The daily run noticed `gone` was missing on day 1, so the 30 days count from then.
        assert occurrences(db_path, gone) == dict.fromkeys(needles(gone), 0)
        assert await simcord_env.bot.db.fetchall("SELECT * FROM departed_members") == []
        listed = await back.slash(community.meeting, "task list")
        assert "Tidy up" in listed.response.content


async def test_retention_removes_old_rows_and_keeps_recent_ones(simcord_env, community, restart) -> None:
    await community.configure()
    pat = community.add_member("pat")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await restart()  # started at SimCord's time, so the daily job runs on the travelling clock
        db = simcord_env.bot.db

        async def jump(days: int) -> None:
            # The wall clock jumps (as across a long quiet spell); SimCord's clock moves just far enough
            # for the scheduler to wake, which then runs the daily job once for all the days missed.
            t.shift(days * DAY)
            await simcord_env.advance_time(120)

        await community.facilitator.slash(
            community.meeting, "task add", description="Old task", assignee=pat, due="in 3 days"
        )
        await pat.slash(community.meeting, "task done", id=1)
        shown = await pat.slash(community.meeting, "ask")
        await pat.submit_modal(shown, {"question": "An old question about the pathway?"})
        [copy] = [m for m in community.facilitators.history() if m.embeds]  # the facilitators' copy
        await community.facilitator.click(copy, label="Answered")
        await jump(300)
        await community.facilitator.slash(
            community.meeting, "task add", description="Recent task", assignee=pat, due="in 3 days"
        )
        await pat.slash(community.meeting, "task done", id=2)
        await community.facilitator.slash(
            community.meeting, "task add", description="Open task", assignee=pat, due="in 30 days"
        )
        await jump(70)  # the old ones are now 370 days old, the recent ones 70
        await jump(1)
        tasks = await db.fetchall("SELECT number, description FROM tasks ORDER BY number")
        assert [tuple(r) for r in tasks] == [(2, "Recent task"), (3, "Open task")]
        texts = await db.fetchall("SELECT text, status FROM questions")
        assert [tuple(r) for r in texts] == [("", "answered")]
        assert occurrences_of(database_bytes(simcord_env.bot.db.path), b"Old task") == 0
        assert occurrences_of(database_bytes(simcord_env.bot.db.path), b"An old question") == 0


def occurrences_of(data: bytes, needle: bytes) -> int:
    return data.count(needle)


async def test_personal_details_are_refused_everywhere_and_nothing_is_stored(simcord_env, community, db_path) -> None:
    await community.configure()
    pat = community.add_member("pat")
    shown = await pat.slash(community.meeting, "ask")
    refused = await pat.submit_modal(shown, {"question": "My NHS number is 943 476 5919, is my referral through?"})
    assert refused.response.ephemeral and "an NHS number" in refused.response.content
    explain = await pat.slash(community.meeting, "explain", term="why does sam@example.org get the minutes")
    assert "an email address" in explain.response.content
    # A DM's own text is never used (issue #14); the form its "Ask anonymously" button opens is guarded.
    await pat.user.send_dm("Can I ask something?")
    await simcord_env.settle()
    reply = next(
        m
        for m in reversed(pat.user.dm_channel.history())
        if m.author.id == simcord_env.bot.user.id and not m.content.startswith("Welcome to")
    )
    form = await pat.user.click(reply, label="Ask anonymously")
    refused = await pat.user.submit_modal(form, {"question": "I was born 3/4/1961, am I eligible?"})
    assert refused.response.ephemeral and "a date of birth" in refused.response.content
    for kind, text in [("a phone number", "Ring me on 07700 900123"), ("a postcode", "Is the clinic near LS6 2QE?")]:
        shown = await pat.slash(community.meeting, "ask")
        assert kind in (await pat.submit_modal(shown, {"question": text})).response.content
    assert [m for m in community.questions.history() if m.embeds] == []
    assert await simcord_env.bot.db.fetchall("SELECT id FROM questions") == []
    data = database_bytes(db_path)
    for detail in (b"9434765919", b"943 476 5919", b"sam@example.org", b"07700 900123", b"LS6 2QE", b"3/4/1961"):
        assert detail not in data

    ok = await pat.submit_modal(await pat.slash(community.meeting, "ask"), {"question": "Why 12 sessions in 2026?"})
    assert "without your name" in ok.response.content


async def test_whoever_set_many_tasks_gets_one_message(simcord_env, community) -> None:
    await community.configure()
    sam = community.add_member("sam")
    db = simcord_env.bot.db
    start = simcord_env.now()
    async with db.transaction() as tx:
        for i in range(200):
            await tx.execute(
                "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    community.guild.id,
                    i + 1,
                    f"Task {i}",
                    sam.id,
                    community.facilitator.id,
                    (start + timedelta(days=5)).isoformat(),
                    start.isoformat(),
                ),
            )
    summary, data = await my_data(sam, community)
    assert len(data["tables"]["tasks"]["rows"]) == 200 and "and 195 more" in summary and len(summary) <= 2000
    asked = await sam.slash(community.meeting, "forget-me")
    done = await sam.click(asked.response, label="Delete everything about me")
    assert done.response.content.startswith("Done.")
    notes = [
        m
        for m in community.facilitator.user.dm_channel.history()
        if "no longer keeps anything about the person who was doing" in m.content
    ]
    [note] = notes
    listed = [line for line in note.content.splitlines() if line.startswith("• “Task ")]
    assert listed[:2] == ["• “Task 0”", "• “Task 1”"] and len(note.content) <= 2000
    assert f"…and {200 - len(listed)} more." in note.content
    left = await simcord_env.bot.db.fetchone("SELECT COUNT(*) FROM tasks WHERE assignee_id = 0")
    assert left[0] == 200


async def test_a_notice_told_again_after_a_crash_is_one_message(simcord_env, community, discord_layer, monkeypatch):
    """Notices are told first and deleted after. A process that died in between leaves the rows, and the
    restarted process's first daily run (a minute after start-up) tells again with the same nonce (from
    the rows): the facilitator sees one message."""
    from cogs._privacy_views import deliver_notices

    await community.configure()
    sam = community.add_member("sam")
    await community.facilitator.slash(
        community.meeting, "task add", description="Write the leaflet", assignee=sam, due="in 3 days"
    )
    repo = simcord_env.bot.privacy.repo

    async def died_before_deleting(notice_id: int) -> None:
        return None

    with monkeypatch.context() as patched:  # not monkeypatch.undo(): that would remove the Discord layer too
        patched.setattr(repo, "delete_notice", died_before_deleting)
        asked = await sam.slash(community.meeting, "forget-me")
        await sam.click(asked.response, label="Delete everything about me")
    assert len(await repo.pending_notices()) == 1  # told, not yet deleted

    await deliver_notices(simcord_env.bot)  # the restarted process's first daily run
    notes = [
        m
        for m in community.facilitator.user.dm_channel.history()
        if "no longer keeps anything about the person who was doing" in m.content
    ]
    assert len(notes) == 1 and discord_layer.nonce_repeats == 1
    assert await repo.pending_notices() == []
