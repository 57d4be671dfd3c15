"""People and teams page: admin work, and refusals for everyone else."""

import pytest
from streamlit.testing.v1 import AppTest

from store import accounts, settings
from store.db import session_scope
from store.models import AuditLog
from tests.factories import PASSWORD, add_certificates, make_user, page_test

pytestmark = pytest.mark.usefixtures("fresh_db", "small_content")


@pytest.mark.parametrize("role", ["employee", "manager", "trainer"])
def test_people_page_refuses_other_roles(role):
    person = make_user("person", role)
    make_user("hidden.one", name="Hidden One")
    at = page_test("pages/people.py", person).run()
    assert not at.exception
    assert at.error[0].value == "You do not have access to this page."
    assert not at.dataframe and "Hidden One" not in str(at)


def test_admin_sees_people_and_adds_a_person():
    admin = make_user("boss", "admin", name="Boss Person")
    at = page_test("pages/people.py", admin).run()
    assert not at.exception
    assert at.title[0].value == "People and teams"
    at.text_input(key="people_add_username").input("newbie")
    at.text_input(key="people_add_name").input("New Person")
    at.selectbox(key="people_add_role").select("employee")
    at.button(key="FormSubmitter:people_add-Add person").click()
    at.run()
    assert not at.exception
    user = accounts.get_user_by_username("newbie")
    assert user is not None and user.must_change_password
    shown = next(w.value for w in at.warning if w.value.startswith("Added New Person"))
    password = shown.split("`")[3]
    assert accounts.authenticate(username="newbie", password=password).user is not None
    at.run()  # another click reruns the page: the password stays until dismissed
    assert any(password in w.value for w in at.warning)
    assert at.text_input(key="people_add_username").value == ""  # the form is ready again
    at.button(key="people_added_dismiss").click().run()
    assert not any(password in w.value for w in at.warning)


def test_admin_adding_a_taken_username_gets_a_clear_message():
    admin = make_user("boss", "admin")
    at = page_test("pages/people.py", admin).run()
    at.text_input(key="people_add_username").input("boss")
    at.text_input(key="people_add_name").input("Again")
    at.button(key="FormSubmitter:people_add-Add person").click()
    at.run()
    assert "already taken" in at.error[0].value
    # nothing typed is lost: the admin corrects the username and submits again
    assert at.text_input(key="people_add_name").value == "Again"


def test_admin_creates_a_team_and_sets_a_manager():
    admin = make_user("boss", "admin")
    mgr = make_user("mia", "manager", name="Mia Manager")
    at = page_test("pages/people.py", admin).run()
    at.text_input(key="teams_create_name").input("Front desk")
    at.button(key="FormSubmitter:teams_create-Create team").click()
    at.run()
    assert not at.exception
    team = accounts.list_teams()[0]
    at.multiselect(key=f"teams_managers_{team.id}").select(mgr.id)
    at.button(key=f"FormSubmitter:teams_edit_{team.id}-Save team").click()
    at.run()
    assert not at.exception
    assert accounts.managed_team_ids(user_id=mgr.id) == [team.id]


def test_admin_edits_role_and_resets_password():
    admin = make_user("boss", "admin")
    eve = make_user("eve", name="Eve Example")
    at = page_test("pages/people.py", admin).run()
    at.selectbox(key="people_edit_pick").select("Eve Example (eve)")
    at.run()
    at.selectbox(key=f"people_edit_role_{eve.id}").select("trainer")
    at.button(key=f"FormSubmitter:people_edit_{eve.id}-Save changes").click()
    at.run()
    assert not at.exception
    assert accounts.get_user(eve.id).role == "trainer"
    at.selectbox(key="people_edit_pick").select("Eve Example (eve)")
    at.button(key=f"people_reset_{eve.id}").click()
    at.run()
    assert accounts.get_user(eve.id).must_change_password
    assert accounts.authenticate(username="eve", password=PASSWORD).user is None


def test_account_page_changes_the_password():
    eve = make_user("eve")
    at = page_test("pages/account.py", eve).run()
    assert not at.exception
    at.text_input(key="account_password_current").input(PASSWORD)
    at.text_input(key="account_password_new").input("shiny new password")
    at.text_input(key="account_password_again").input("shiny new password")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert accounts.authenticate(username="eve", password="shiny new password").user


def test_admin_looks_up_a_certificate():
    from datetime import UTC, datetime

    from store.db import session_scope
    from store.models import Certificate, Progress

    admin = make_user("boss", "admin")
    eve = make_user("eve", name="Eve Example")
    with session_scope() as s:
        s.add(
            Progress(
                user_id=eve.id,
                module_id="empathy",
                best_score=90,
                attempt_count=1,
                passed_at=datetime(2026, 3, 1, tzinfo=UTC),
                certificate_id="CERT-ABCD-EF12",
            )
        )
        s.add(
            Certificate(
                certificate_id="CERT-ABCD-EF12",
                user_id=eve.id,
                module_id="empathy",
                score=90,
                passed_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )
    at = page_test("pages/people.py", admin).run()
    at.text_input(key="cert_lookup_id").input("cert abcd ef12")
    at.button(key="FormSubmitter:cert_lookup-Look up").click().run()
    assert not at.exception
    assert "Eve Example" in at.success[0].value and "Empathy" in at.success[0].value
    at.text_input(key="cert_lookup_id").input("CERT-0000-0000")
    at.button(key="FormSubmitter:cert_lookup-Look up").click().run()
    assert "No certificate has that id" in at.error[0].value


def test_admin_sees_sign_ins_under_attack_and_clears_a_wait():
    admin = make_user("boss", "admin")
    make_user("ann", name="Ann Example")
    for _ in range(7):
        accounts.authenticate(username="ann", password="guess guess", address="203.0.113.9")
    accounts.authenticate(username="ghost", password="guess guess", address="203.0.113.9")
    at = page_test("pages/people.py", admin).run()
    assert not at.exception
    table = at.dataframe[1].value  # after the people list
    assert set(table["Account or address"]) == {"ann", "203.0.113.9"}
    at.selectbox(key="people_unlock_pick").set_value("ann")
    at.button(key="people_unlock").click().run()
    assert not at.exception
    assert "Cleared the sign-in wait of ann" in at.success[0].value
    assert accounts.authenticate(username="ann", password=PASSWORD, address="198.51.100.1").user


def test_sign_out_everywhere_ends_every_session_of_the_person():
    eve = make_user("eve")
    other, _ = accounts.create_session(user_id=eve.id)
    at = page_test("pages/account.py", eve).run()
    at.button(key="account_sign_out_everywhere").click().run()
    assert not at.exception
    assert accounts.user_for_token(other) is None
    assert "session_token" not in at.session_state


def test_an_unchanged_roster_upload_is_not_parsed_again():
    def script():
        import streamlit as st

        from ui.people_view import _roster_preview

        data = b"username,name,team,role\nann,Ann,Desk,employee\n"
        first = _roster_preview(data)
        st.session_state.setdefault("first", first)
        st.session_state["same"] = _roster_preview(data) is st.session_state["first"]
        st.session_state["changed"] = _roster_preview(data + b"bob,Bob,Desk,employee\n") is first

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert at.session_state["same"] and not at.session_state["changed"]


def test_an_earlier_certificate_still_verifies_and_says_it_was_superseded():
    from datetime import UTC, datetime

    admin = make_user("boss", "admin")
    eve = make_user("eve", name="Eve Example")
    first = datetime(2026, 7, 1, 9, tzinfo=UTC)
    second = datetime(2026, 7, 5, 9, tzinfo=UTC)
    add_certificates(
        eve.id, "sincerity", [("CERT-AAAA-1111", 100.0, first), ("CERT-BBBB-2222", 87.5, second)]
    )
    at = page_test("pages/people.py", admin).run()
    at.text_input(key="cert_lookup_id").input("CERT-AAAA-1111")
    at.button(key="FormSubmitter:cert_lookup-Look up").click().run()
    assert not at.exception
    text = next(i.value for i in at.info if "CERT-AAAA-1111" in i.value)
    assert "genuine but superseded" in text and "1 Jul 2026 with 100%" in text
    assert "CERT-BBBB-2222" in text and "5 Jul 2026" in text
    at.text_input(key="cert_lookup_id").input("CERT-BBBB-2222")
    at.button(key="FormSubmitter:cert_lookup-Look up").click().run()
    assert "genuine and current" in at.success[0].value
    assert "5 Jul 2026 with 87.5%" in at.success[0].value


def test_a_reset_password_stays_shown_until_dismissed():
    admin = make_user("boss", "admin")
    eve = make_user("eve", name="Eve Example")
    at = page_test("pages/people.py", admin).run()
    at.selectbox(key="people_edit_pick").select("Eve Example (eve)").run()
    at.button(key=f"people_reset_{eve.id}").click().run()
    shown = next(w.value for w in at.warning if "New temporary password" in w.value)
    password = shown.split("`")[3]
    assert accounts.authenticate(username="eve", password=password).user is not None
    at.run()  # any other click reruns the page: the password is still there
    assert any(password in w.value for w in at.warning)
    at.button(key="people_reset_dismiss").click().run()
    assert not any("New temporary password" in w.value for w in at.warning)


def test_admin_sets_the_time_zone_and_dates_follow_it():
    from datetime import UTC, datetime

    admin = make_user("boss", "admin")
    with session_scope() as s:
        s.add(AuditLog(at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC), action="test_event"))
    at = page_test("pages/people.py", admin).run()
    at.text_input(key="settings_time_zone").input("Mars/Olympus")
    at.button(key="FormSubmitter:settings_form-Save settings").click().run()
    assert not at.exception
    assert "not a time zone name" in at.error[0].value
    assert settings.get_setting("time_zone") == "UTC"
    audit = at.dataframe[-1].value
    assert "31 Dec 2026, 23:30" in list(audit["When"])
    at.text_input(key="settings_time_zone").input("Asia/Tokyo")
    at.button(key="FormSubmitter:settings_form-Save settings").click().run()
    assert not at.exception
    assert settings.get_setting("time_zone") == "Asia/Tokyo"
    assert "Asia/Tokyo" in at.success[0].value
    audit = at.dataframe[-1].value
    assert "1 Jan 2027, 08:30" in list(audit["When"])
