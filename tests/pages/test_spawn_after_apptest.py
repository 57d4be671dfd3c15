"""A process spawned after an AppTest in the same pytest process does its work (`spawn`)."""

from __future__ import annotations

import pytest

from tests.factories import make_user, page_test

pytestmark = pytest.mark.usefixtures("fresh_db")


def _child(queue) -> None:
    queue.put("done")


def test_a_spawned_child_runs_its_target_not_the_last_page(request):
    at = page_test("pages/account.py", make_user("ann")).run()
    assert not at.exception
    ctx = request.getfixturevalue("spawn")  # after the AppTest, as in a whole-suite run
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    try:
        assert queue.get(timeout=60) == "done"
    finally:
        child.join(timeout=30)
    assert child.exitcode == 0
