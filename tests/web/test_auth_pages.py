"""Sign up, log in, log out and the account page, through the HTML forms."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import HTML, field_error


def test_sign_up_logs_in_and_shows_the_name(browser_client: Any) -> None:
    page = browser_client.sign_up("amina@example.com", name="Amina Saeed")
    assert "Welcome to Innkeeper, Amina Saeed." in page.text
    assert "Log out" in page.text
    account = browser_client.get("/account")
    assert account.status_code == 200
    assert "amina@example.com" in account.text


def test_bad_sign_up_shows_each_message_beside_its_field_and_keeps_input(
    browser_client: Any,
) -> None:
    browser_client.get("/signup")
    page = browser_client.submit(
        "/signup", {"email": "not-an-email", "name": "Kept Name", "password": "short"}
    )
    assert page.status_code == 422
    assert field_error(page.text, "email")
    assert "10" in field_error(page.text, "password")
    assert 'value="Kept Name"' in page.text
    assert 'aria-invalid="true"' in page.text


def test_missing_fields_are_named(browser_client: Any) -> None:
    browser_client.get("/signup")
    page = browser_client.submit("/signup", {"email": "", "name": "", "password": ""})
    assert page.status_code == 422
    for name in ("email", "name", "password"):
        assert field_error(page.text, name) == "is required"


def test_wrong_password_is_refused_above_the_form(browser_client: Any) -> None:
    browser_client.sign_up("omar@example.com")
    browser_client.submit("/logout")
    browser_client.get("/login")
    page = browser_client.submit(
        "/login", {"email": "omar@example.com", "password": "wrong password!"}
    )
    assert page.status_code == 401
    assert 'class="error-summary"' in page.text
    assert 'value="omar@example.com"' in page.text


def test_a_form_without_its_token_is_refused(browser_client: Any) -> None:
    browser_client.get("/signup")
    response = browser_client.client.post(
        "/signup",
        data={"email": "x@example.com", "name": "X", "password": "long enough pass"},
        headers=HTML,
    )
    assert response.status_code == 403
    assert "reload the page" in response.text


def test_pages_that_need_a_login_redirect_to_it_and_back(browser_client: Any) -> None:
    response = browser_client.client.get("/account", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"
    browser_client.sign_up("back@example.com")
    browser_client.submit("/logout")
    browser_client.get("/login?next=%2Faccount")
    page = browser_client.submit(
        "/login", {"email": "back@example.com", "password": "correct horse 1", "next": "/account"}
    )
    assert page.url.path == "/account"


def test_login_never_redirects_off_site(browser_client: Any) -> None:
    browser_client.sign_up("safe@example.com")
    browser_client.submit("/logout")
    browser_client.get("/login")
    page = browser_client.submit(
        "/login",
        {"email": "safe@example.com", "password": "correct horse 1", "next": "//evil.example"},
        follow=False,
    )
    assert page.headers["location"] == "/"


def test_profile_and_password_forms(browser_client: Any) -> None:
    browser_client.sign_up("prof@example.com")
    browser_client.get("/account")
    page = browser_client.submit(
        "/account", {"name": "New Name", "phone": "12", "locale": "en", "time_zone": "Mars/Base"}
    )
    assert page.status_code == 422
    assert field_error(page.text, "time_zone")
    page = browser_client.submit(
        "/account", {"name": "New Name", "phone": "", "locale": "ar", "time_zone": "Europe/London"}
    )
    assert "Your profile is saved." in page.text
    assert 'value="New Name"' in page.text
    page = browser_client.submit(
        "/account/password",
        {"current_password": "nope nope nope", "new_password": "another pass 2"},
    )
    assert field_error(page.text, "current_password") == "is not correct"
    page = browser_client.submit(
        "/account/password",
        {"current_password": "correct horse 1", "new_password": "another pass 2"},
    )
    assert "Your password is changed" in page.text


def test_unknown_page_is_an_html_404_and_the_api_stays_json(browser_client: Any) -> None:
    page = browser_client.get("/no/such/page")
    assert page.status_code == 404
    assert "There is no page at this address." in page.text
    api = browser_client.client.get("/api/v1/no/such")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"


def test_pages_send_a_strict_content_security_policy(browser_client: Any) -> None:
    page = browser_client.get("/login")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert browser_client.client.get("/static/app.css").status_code == 200
