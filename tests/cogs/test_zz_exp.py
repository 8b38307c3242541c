import time

import pytest


@pytest.mark.simcord(settle_timeout=30)
@pytest.mark.discord(latency=0.02, rate_limits=True)
async def test_exp(simcord_env, community, discord_layer):
    await community.configure()
    t0 = time.perf_counter()
    for i in range(12):
        community.add_member(f"m{i}")
        await community.admin.slash(community.meeting, "help")
        print("join", i, round(time.perf_counter() - t0, 2), simcord_env.now(), flush=True)
