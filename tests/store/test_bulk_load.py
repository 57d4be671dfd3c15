"""store.bulk's PostgreSQL bulk load: indexes rebuilt after it, COPY on a thread, errors kept."""

import pytest
from sqlalchemy import text

from store import db
from store.bulk import BackgroundWriter, BulkWriter, without_secondary_indexes
from store.models import Answer

pytestmark = pytest.mark.usefixtures("fresh_db")

SECONDARY = (
    "SELECT indexname FROM pg_indexes WHERE tablename = 'answer' "
    "UNION ALL SELECT conname FROM pg_constraint WHERE conrelid = 'answer'::regclass "
    "ORDER BY 1"
)
COLUMNS = ("attempt_id", "question_id", "chosen", "correct", "marks", "max_marks")


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_a_load_builds_the_indexes_again_and_a_failed_load_keeps_them():
    engine = db.get_engine()
    with engine.connect() as c:
        before = c.execute(text(SECONDARY)).scalars().all()
    assert "answer_attempt_id_fkey" in before and len(before) >= 3

    with engine.connect() as c, c.begin(), without_secondary_indexes(c, ("answer",)):
        during = c.execute(text(SECONDARY)).scalars().all()
        assert set(during) == {"answer_pkey"}  # only the primary key while rows stream in
    with engine.connect() as c:
        assert c.execute(text(SECONDARY)).scalars().all() == before

    # A row COPY rejects, on the writer thread: close raises it, the load rolls back whole.
    with engine.connect() as c:
        failing = pytest.raises(Exception, match="invalid input syntax")
        with failing, c.begin(), without_secondary_indexes(c, ("answer",)):
            out = BackgroundWriter(BulkWriter(c))
            try:
                out.insert(Answer, COLUMNS, [("not a number", "q", "[0]", True, 1, 1)])
                out.insert(Answer, COLUMNS, [(1, "q", "[0]", True, 1, 1)])  # never written
            finally:
                out.close()
        assert c.execute(text(SECONDARY)).scalars().all() == before
        assert c.execute(text("SELECT COUNT(*) FROM answer")).scalar() == 0
